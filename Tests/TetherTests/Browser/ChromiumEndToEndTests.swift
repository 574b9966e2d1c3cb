import Foundation
import XCTest
@testable import Tether
@testable import TetherDemos

/// The demos in a real headless Chromium, driven through Tether itself: `page.run` fires real
/// DOM clicks, whose handlers call Swift, whose writes the test reads back with `page.eval`.
final class ChromiumEndToEndTests: XCTestCase {
    func testTwentyClicksCountTwentyInPageAndInSwift() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, page) = try harness.open("/index.html")
        for _ in 0..<20 { page.run(page.js.dom.b1.click()) }
        XCTAssertTrue(try eventually { try page.text("count") == "20" }, "count shows \((try? page.text("count")) ?? "?")")
        XCTAssertEqual(page.withApp(as: Counter.self) { $0.count }, 20)
    }

    func testGetresultInPageAndTheSumButton() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, page) = try harness.open("/index.html")
        // The page's own `await server.getresult(125, 99)`; eval awaits the promise.
        XCTAssertEqual(try page.eval(page.js.server.getresult(125, 99), as: Int.self), 224)
        page.run(page.js.dom.b3.click())
        XCTAssertTrue(try eventually { try page.text("sum") == "224" })
    }

    func testSettingCountFromThePageResetsTheSwiftProperty() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, page) = try harness.open("/index.html")
        for _ in 0..<3 { page.run(page.js.dom.b1.click()) }
        XCTAssertTrue(eventually { page.withApp(as: Counter.self) { $0.count } == 3 })
        page.run(page.js.dom.reset.click())  // onclick="server.count = 0"
        XCTAssertTrue(eventually { page.withApp(as: Counter.self) { $0.count } == 0 })
        XCTAssertEqual(try page.eval(page.js.server.count, as: Int.self), 0)  // `await server.count`
        XCTAssertTrue(try eventually { try page.text("count") == "0" })
    }

    func testStopwatchRunsPausesAndResumesWithTheCallbackSwap() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, page) = try harness.open("/clock.html")
        var first = ""
        XCTAssertTrue(try eventually { first = try page.text("time"); return Double(first) != nil })
        XCTAssertTrue(try eventually { try page.text("time") != first }, "the time advances while running")

        page.run(page.js.dom.b2.click())
        XCTAssertTrue(try eventually { try page.text("b2") == "Restart" })
        let paused = try page.text("time")
        usleep(400_000)
        XCTAssertEqual(try page.text("time"), paused, "the time stands while paused")

        page.run(page.js.dom.b2.click())  // now the restart callback
        XCTAssertTrue(try eventually { try page.text("b2") == "Pause" })
        XCTAssertTrue(try eventually { try page.text("time") != paused }, "the time advances again")
        XCTAssertEqual(page.withApp(as: Stopwatch.self) { $0.isRunning }, true)
    }

    func testTwoOpenPagesAreIsolated() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, first) = try harness.open("/index.html")
        let (_, second) = try harness.open("/index.html")
        for _ in 0..<5 { first.run(first.js.dom.b1.click()) }
        second.run(second.js.dom.b1.click())
        XCTAssertTrue(try eventually { try first.text("count") == "5" })
        XCTAssertTrue(try eventually { try second.text("count") == "1" })
        XCTAssertEqual(first.withApp(as: Counter.self) { $0.count }, 5)
        XCTAssertEqual(second.withApp(as: Counter.self) { $0.count }, 1)
    }

    func testJSExceptionIsTypedAndThePageKeepsWorking() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, page) = try harness.open("/index.html")
        XCTAssertThrowsError(try page.eval(page.js.noSuchFunction(), as: Int.self)) { error in
            guard case .exception(let message, let statement)? = error as? EvalError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("ReferenceError"), message)
            XCTAssertTrue(message.contains("noSuchFunction"), message)
            XCTAssertEqual(statement, "noSuchFunction()")
        }
        page.run(page.js.alsoMissing())  // fire-and-forget: logged in the console, the loop goes on
        page.run(page.js.dom.b1.click())
        XCTAssertTrue(try eventually { try page.text("count") == "1" })
    }

    func testPageRecoversAfterServerRestartWithoutTheErrorPage() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, before) = try harness.open("/index.html")
        try harness.restartServer()
        let started = Date()
        let after = try XCTUnwrap(harness.waitForNewPage(excluding: [before.id], timeout: 15), "the page never came back")
        XCTAssertLessThan(Date().timeIntervalSince(started), 7, "reconnected within 5 s (plus the browser's poll)")
        // It is our page again (not Chromium's error page), with a fresh session, and it works.
        XCTAssertEqual(try after.eval(after.js.document.title, as: String.self), "Tether counter")
        after.run(after.js.dom.b1.click())
        XCTAssertTrue(try eventually { try after.text("count") == "1" })
    }

    func testPollCutOffMidFlightLosesNoCommand() throws {
        // The page reaches the server through a proxy on another port: allow that Host.
        let harness = try BrowserHarness { $0.allowedHosts = ["127.0.0.1"] }
        defer { harness.close() }
        let proxy = try TCPProxy(upstreamPort: harness.server.port)
        defer { proxy.stop() }
        let (_, page) = try harness.open("/index.html", port: proxy.port)
        page.js.seen = []
        proxy.cutNextPollAnswer()
        for n in 0..<200 { page.run(page.js.seen.push(n)) }
        XCTAssertTrue(try eventually(timeout: 20) { try page.eval(page.js.seen.length, as: Int.self) == 200 })
        XCTAssertEqual(proxy.cuts.load(ordering: .relaxed), 1, "one poll answer was lost on the way")
        XCTAssertEqual(try page.eval(page.js.seen, as: [Int].self), Array(0..<200))
    }

    func testKilledBrowserClosesItsSessionAndStopsMain() throws {
        let harness = try BrowserHarness { configuration in
            configuration.bridge.pollHold = .milliseconds(500)
            configuration.bridge.pollGapTimeout = .seconds(1)
            configuration.bridge.sweepInterval = .milliseconds(100)
        }
        defer { harness.close() }
        let (browser, page) = try harness.open("/clock.html")
        let endpoint = try XCTUnwrap(harness.server.bridge?.registry.session(page.id)?.endpoint as? AppEndpoint<Stopwatch>)
        XCTAssertEqual(try healthSessions(harness.server.port), 1)
        browser.kill()
        XCTAssertTrue(eventually(timeout: 10) { !page.isOpen }, "the session expired")
        XCTAssertTrue(endpoint.waitForMainToEnd(timeout: .seconds(5)), "main stopped")
        XCTAssertEqual(try healthSessions(harness.server.port), 0)
    }

    func testReloadingAllPagesGivesEachANewSessionWithCurrentFiles() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, before) = try harness.open("/index.html")
        harness.server.reloadAllPages()  // what SIGHUP does
        let after = try XCTUnwrap(harness.waitForNewPage(excluding: [before.id], timeout: 15), "the page did not reload")
        XCTAssertEqual(try after.eval(after.js.document.title, as: String.self), "Tether counter")
        XCTAssertTrue(eventually { !before.isOpen }, "the old page's session ended with its unload")
    }

    private func healthSessions(_ port: Int) throws -> Int? {
        let result = try curl(["http://127.0.0.1:\(port)/_health"])
        return (try? JSONSerialization.jsonObject(with: Data(result.body.utf8)) as? [String: Any])?["sessions"] as? Int
    }
}
