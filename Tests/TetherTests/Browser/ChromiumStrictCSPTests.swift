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

    /// Chromium's own console for the page, as DevTools reports it: `Log` entries (where the
    /// browser reports policy violations) as "source level: text", console calls as
    /// "console.type: arguments". A round trip to the page first, so that everything it logged
    /// before is in.
    private func console(_ devTools: DevToolsPipe, session: String) throws -> [String] {
        _ = try devTools.send("Runtime.evaluate", params: ["expression": "0"], session: session)
        return devTools.events.filter { $0["sessionId"] as? String == session }.compactMap { event in
            let params = event["params"] as? [String: Any] ?? [:]
            switch event["method"] as? String {
            case "Log.entryAdded":
                let entry = params["entry"] as? [String: Any] ?? [:]
                return "\(entry["source"] ?? "?") \(entry["level"] ?? "?"): \(entry["text"] ?? "")"
            case "Runtime.consoleAPICalled":
                let arguments = (params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "?")" }
                return "console.\(params["type"] ?? "?"): " + arguments.joined(separator: " ")
            default:
                return nil
            }
        }
    }

    /// Chromium's wording changed ("Refused to execute…", now "Executing… violates…"); both name the policy.
    private func violations(in console: [String]) -> [String] {
        console.filter { $0.contains("Content Security Policy") || $0.contains("Refused") }
    }

    func testTheCounterWorksUnderAStrictPolicyWithNoViolation() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        // Its own browser, with DevTools on a pipe, to read the console the browser reports to.
        let browser = try Chromium(url: "http://127.0.0.1:\(harness.server.port)/strict.html", devTools: true)
        defer { browser.kill() }
        let page = try XCTUnwrap(harness.waitForNewPage(excluding: [], timeout: 20), "Chromium never loaded /strict.html")
        let devTools = try XCTUnwrap(browser.devTools)
        let session = try devTools.attachToFirstPage()
        // Both replay what the page logged before they were enabled.
        _ = try devTools.send("Log.enable", session: session)
        _ = try devTools.send("Runtime.enable", session: session)

        // The page's own addEventListener handler calls server.increment(); Swift writes the count back.
        page.run(page.js.dom.b1.click())
        XCTAssertTrue(try eventually(timeout: 15) { try page.text("count") == "1" })
        // The declarative button has no script at all: data-tether-click="increment".
        page.run(page.js.dom.b2.click())
        XCTAssertTrue(try eventually { try page.text("count") == "2" })
        XCTAssertEqual(page.withApp(as: Counter.self) { $0.count }, 2)
        XCTAssertEqual(try page.eval(page.js.document.title, as: String.self), "Tether counter, strict CSP")
        XCTAssertEqual(try violations(page), [])
        let afterClicks = try console(devTools, session: session)
        XCTAssertEqual(violations(in: afterClicks), [], "\(afterClicks)")

        let png = try devTools.screenshotOfFirstPage()
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        // Kept for a person to look at: the count 2 and the state "connected".
        try png.write(to: FileManager.default.temporaryDirectory.appendingPathComponent("strict-csp.png"))

        // Raw code is the one form that needs eval: this page turned it off, so it is refused
        // plainly, without even asking the policy.
        XCTAssertThrowsError(try page.eval(JS(code: "1 + 1"), as: Int.self)) { error in
            guard case .exception(let message, _)? = error as? EvalError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("data-tether-allow-eval is false"), message)
        }
        XCTAssertEqual(try violations(page), [])
        let afterEval = try console(devTools, session: session)
        XCTAssertEqual(violations(in: afterEval), [], "\(afterEval)")

        // The policy is in force: an inline handler put in by Swift is blocked and seen, by the
        // page and in the browser's console (so the checks above could have seen one).
        page.js.dom.sandbox.innerHTML = #"<img src="missing.png" onerror="window.ran = 1">"#
        XCTAssertTrue(try eventually { try !violations(page).isEmpty }, "the page sees violations")
        let seen = try violations(page)
        XCTAssertTrue(seen.allSatisfy { $0.hasPrefix("script-src") }, "\(seen)")
        XCTAssertNil(try page.eval(page.js.window.ran, as: Int?.self), "the inline handler never ran")
        XCTAssertTrue(try eventually { try !violations(in: console(devTools, session: session)).isEmpty },
                      "the console shows the violation: \((try? console(devTools, session: session)) ?? [])")
        let blocked = violations(in: try console(devTools, session: session))
        XCTAssertTrue(blocked.allSatisfy { $0.contains("script-src 'self'") }, "\(blocked)")
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
