import Foundation
import Synchronization
import XCTest
import TetherClient
@testable import Tether
import TetherTesting

/// `page.eval` before the page has connected: inside `init(page:)` it can never be answered
/// and fails at once; in `main`, started as the page is served, it waits for the first poll.
final class EvalBeforeConnectTests: XCTestCase {
    final class ReadsInInit: App, MainLoop {
        static let outcomes = Mutex<[String: String]>([:])
        let page: Page

        init(page: Page) {
            self.page = page
            let started = ContinuousClock.now
            let outcome: String
            do {
                outcome = "value \(try page.eval(page.js.document.title, as: String.self))"
            } catch {
                outcome = "\(error) after \((ContinuousClock.now - started) < .seconds(1) ? "<1s" : ">=1s")"
            }
            Self.outcomes.withLock { $0["init " + page.id] = outcome }
        }

        func main(page: Page) throws {
            let title = try page.eval(page.js.document.title, as: String.self)
            Self.outcomes.withLock { $0["main " + page.id] = title }
        }

        static var exposed: Exposed<ReadsInInit> { Exposed() }
    }

    func testReadInInitFailsAtOnceAndMainWaitsForTheFirstPoll() throws {
        var configuration = Server.Configuration()
        configuration.http.port = 0
        configuration.www = TestPaths.www
        configuration.log = .silent
        let server = Server(configuration: configuration, defaultApp: ReadsInInit.self)
        try server.start()
        defer { server.stop() }
        let started = Date()
        let browser = try PageClient.live(port: server.port) { $0 == "document.title" ? .value(.string("Counter")) : .value(.null) }
        defer { browser.vanish() }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "the page load is not held for the eval timeout")
        // The session (and so the app) opens at the page's first request, just after its load.
        let opened = Date().addingTimeInterval(5)
        while ReadsInInit.outcomes.withLock({ $0["init " + browser.session] }) == nil && Date() < opened { usleep(5_000) }
        let initOutcome = ReadsInInit.outcomes.withLock { $0["init " + browser.session] }
        XCTAssertEqual(initOutcome?.hasPrefix("the page cannot answer document.title: init(page:) runs while the page's first request opens its session"), true,
                       initOutcome ?? "nil")
        XCTAssertEqual(initOutcome?.hasSuffix("after <1s"), true, initOutcome ?? "nil")
        let deadline = Date().addingTimeInterval(5)
        while ReadsInInit.outcomes.withLock({ $0["main " + browser.session] }) == nil && Date() < deadline { usleep(5_000) }
        XCTAssertEqual(ReadsInInit.outcomes.withLock { $0["main " + browser.session] }, "Counter")
    }

    func testTestPageBehavesTheSame() throws {
        let page = try TestPage(ReadsInInit.self)
        let outcome = ReadsInInit.outcomes.withLock { $0["init " + page.page.id] }
        XCTAssertEqual(outcome?.hasPrefix("the page cannot answer"), true, outcome ?? "nil")
    }
}
