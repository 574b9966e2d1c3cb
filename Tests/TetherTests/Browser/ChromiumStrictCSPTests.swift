import Foundation
import XCTest
@testable import Tether
import TetherDemos

/// www/strict.html: a Content-Security-Policy of `default-src 'self'; script-src 'self'`, no
/// inline script or handler, its own strict.js binding the button. Tether's script is a file
/// and its commands are data, so the page works with no policy violation.
final class ChromiumStrictCSPTests: XCTestCase {
    private func violations(_ page: Page) throws -> [String] {
        try page.eval(page.js.cspViolations, as: [String].self)
    }

    /// The lifecycle events strict.js kept in sessionStorage (they outlive a reload).
    private func events(_ page: Page) throws -> [String] {
        let text = try page.eval(page.js.sessionStorage.getItem("tether-events"), as: String?.self) ?? "[]"
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    func testTheCounterWorksUnderAStrictPolicyWithNoViolation() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (browser, page) = try harness.open("/strict.html")
        _ = browser
        // The page's own addEventListener handler calls server.increment(); Swift writes the count back.
        page.run(page.js.dom.b1.click())
        XCTAssertTrue(try eventually { try page.text("count") == "1" })
        // The declarative button has no script at all: data-tether-click="increment".
        page.run(page.js.dom.b2.click())
        XCTAssertTrue(try eventually { try page.text("count") == "2" })
        XCTAssertEqual(page.withApp(as: Counter.self) { $0.count }, 2)
        XCTAssertEqual(try page.eval(page.js.document.title, as: String.self), "Tether counter, strict CSP")
        XCTAssertEqual(try violations(page), [])

        // Raw code is the one form that needs eval: this page turned it off, so it is refused
        // plainly, without even asking the policy.
        XCTAssertThrowsError(try page.eval(JS(code: "1 + 1"), as: Int.self)) { error in
            guard case .exception(let message, _)? = error as? EvalError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("data-tether-allow-eval is false"), message)
        }
        XCTAssertEqual(try violations(page), [])

        // The policy is in force: an inline handler put in by Swift is blocked and seen.
        page.js.dom.sandbox.innerHTML = #"<img src="missing.png" onerror="window.ran = 1">"#
        XCTAssertTrue(try eventually { try !violations(page).isEmpty }, "the page sees violations")
        let seen = try violations(page)
        XCTAssertTrue(seen.allSatisfy { $0.hasPrefix("script-src") }, "\(seen)")
        XCTAssertNil(try page.eval(page.js.window.ran, as: Int?.self), "the inline handler never ran")
    }

    /// Commands that throw are applied and reported without eval, as the code Swift spells.
    func testAFailedCommandIsReportedAsTheCodeSwiftSpells() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, page) = try harness.open("/strict.html")
        let call = page.js.missingFn(1, "a<b", [true, nil], ["k": 2.5])
        let handler = page.callback("increment", "x", event: [.key])
        let method = page.js.document.title.nope()
        page.run(call)                          // ReferenceError, without eval
        page.js.dom.gone.onclick = handler      // TypeError: no such element
        page.run(method)                        // TypeError: not a function
        let expected = ["connected"] + [
            String(describing: call), String(describing: page.js.dom.gone.onclick) + "=" + String(describing: handler),
            String(describing: method),
        ].map { "commandfailed " + $0 }
        XCTAssertEqual(expected[1], #"commandfailed missingFn(1,"a\u003cb",[true,null],{"k":2.5})"#)
        XCTAssertTrue(try eventually { try events(page) == expected }, "\((try? events(page)) ?? [])")
        XCTAssertEqual(try violations(page), [], "none of them needed eval")
    }

    /// An idle page's first poll is held for the whole hold; the page counts as connected once
    /// the server holds it rather than refusing it, without waiting for an answer.
    func testAnIdlePageIsConnectedWhileItsFirstPollIsHeld() throws {
        let harness = try BrowserHarness { $0.bridge.pollHold = .seconds(20) }
        defer { harness.close() }
        let browser = try Chromium(url: "http://127.0.0.1:\(harness.server.port)/strict.html")
        defer { browser.kill() }
        let page = try XCTUnwrap(harness.waitForNewPage(excluding: [], timeout: 20))
        Thread.sleep(forTimeInterval: 2)  // nothing queued: its poll is held
        // This read answers the held poll; the page had counted itself connected long before.
        let times = try page.eval(JS([page.js.connectedAt, page.js.performance.now()]), as: [Double].self)
        XCTAssertEqual(times.count, 2)
        XCTAssertGreaterThan(times[1] - times[0], 1000, "connected at \(times[0]) ms, read at \(times[1]) ms")
        XCTAssertEqual(try page.text("state"), "connected")
    }

    func testLifecycleEventsAndOptionsReachThePage() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, before) = try harness.open("/strict.html")
        // Options from <html data-tether-…>, and the hold the server set.
        XCTAssertEqual(try before.eval(before.js.tether.config.backoffMax, as: Int.self), 2000)
        XCTAssertEqual(try before.eval(before.js.tether.config.allowEval, as: Bool.self), false)
        XCTAssertEqual(try before.eval(before.js.tether.config.reloadGuard, as: Int.self), 5000)
        XCTAssertEqual(try before.eval(before.js.tether.config.pollHold, as: Int.self), 5000)

        before.js.dom.missing.innerHTML = 1
        let failed = #"commandfailed document.getElementById("missing").innerHTML=1"#
        XCTAssertTrue(try eventually { try events(before) == ["connected", failed] }, "\((try? events(before)) ?? [])")

        // The server goes away for a moment (offline), comes back without the session
        // (reconnecting, then a reload), and the new page connects.
        try harness.restartServer(downtime: 1)
        let after = try XCTUnwrap(harness.waitForNewPage(excluding: [before.id], timeout: 15), "the page never came back")
        XCTAssertTrue(try eventually {
            try events(after) == ["connected", failed, "offline", "reconnecting", "connected"]
        }, "\((try? events(after)) ?? [])")
        XCTAssertEqual(try after.text("state"), "connected")
    }
}
