import Foundation
import XCTest
import TetherClient
@testable import Tether
@testable import TetherBridge

/// A held poll holds no worker: a page that vanishes mid-poll is noticed at once, and reads
/// are answered even when every worker waits in one.
final class VanishedPollTests: XCTestCase {
    func testPageThatVanishesMidPollIsClosedWithinFiveSeconds() throws {
        // A long hold and gap: only noticing the closed connection can end the session soon.
        let server = try startDemoServer {
            $0.bridge.pollHold = .seconds(20)
            $0.bridge.pollGapTimeout = .seconds(60)
        }
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/index.html")
        let session = try openedSession(server, browser)
        XCTAssertTrue(pollUntil { session.isHoldingPoll }, "the poll was never held")

        let started = ContinuousClock.now
        browser.vanish()
        XCTAssertTrue(session.waitUntilClosed(timeout: .seconds(5)), "the session outlived its vanished page by 5 s")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        XCTAssertEqual(session.closeReason, .stoppedPolling)
    }

    func testLivePageWhosePollReconnectsKeepsItsSession() throws {
        let server = try startDemoServer { $0.bridge.lostPollGrace = .seconds(1) }
        defer { server.stop() }
        let first = try PageClient.live(port: server.port, path: "/index.html")
        let session = try openedSession(server, first)
        XCTAssertTrue(pollUntil { session.isHoldingPoll })
        // The poll's connection drops, and a new poll comes at once, as the page script retries.
        first.vanish()
        let poller = try RawConnection(port: server.port)
        let body = "{\"session\":\"\(session.id)\",\"task\":\"next\",\"ack\":0}"
        poller.send("POST /_process_srv0 HTTP/1.1\r\nHost: \(poller.hostHeader)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
        XCTAssertTrue(pollUntil { session.isHoldingPoll })
        usleep(2_500_000)  // past the grace and two sweeps
        XCTAssertTrue(session.isOpen, "a page that polled again lost its session")
    }

    func testReadsAreAnsweredWhenTheOnlyWorkerWaitsInOne() throws {
        // One worker, never more: a call that reads from the page blocks it, and the answer
        // comes with a poll, which must not need a worker.
        let server = try startDemoServer {
            $0.http.workerThreads = 1
            $0.http.maxWorkerThreads = 1
        }
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/factor.html", evaluate: EvalTests.factorPage)
        defer { browser.vanish() }
        let started = ContinuousClock.now
        XCTAssertEqual(try browser.call("demo", "5"), .string("Factor is 1.3, 2 x result is 13.0"))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "the read waited for a timeout")
    }

    func testAPageAnsweredThroughItsPollsIsFreedWhenItLeaves() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/index.html")
        weak let session = try openedSession(server, browser)
        XCTAssertNotNil(session)
        do {
            let page = try XCTUnwrap(server.waitForPage(browser.session))
            // Each write wakes the held poll, which answers and is held again.
            for i in 0..<5 {
                page.js.factor = JS(i)
                XCTAssertEqual(browser.waitForCommands(i + 1).count, i + 1)
            }
        }
        try browser.unload()
        XCTAssertTrue(pollUntil { session == nil }, "the session outlived its page: something still holds it")
    }

    /// The page's session, once its first poll has opened it (a page load opens none).
    private func openedSession(_ server: Server, _ browser: PageClient) throws -> Session {
        let registry = try XCTUnwrap(server.bridge?.registry)
        XCTAssertTrue(pollUntil { registry.session(browser.session) != nil }, "the page's first poll opened no session")
        return try XCTUnwrap(registry.session(browser.session))
    }
}
