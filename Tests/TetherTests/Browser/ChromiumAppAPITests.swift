import Foundation
import Synchronization
import XCTest
@testable import Tether
@testable import TetherDemos

/// The app API's page side in a real headless Chromium: callbacks with data.
final class ChromiumAppAPITests: XCTestCase {
    func testCallbackPassesItsArgumentsAndTheEventsFields() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, page) = try harness.open("/index.html")
        // getresult(a, b) of the counter: 100 from Swift, clientX from a real MouseEvent.
        page.js.dom.b3.onclick = page.callback("getresult", 100, event: [.clientX])
        let click = JS(code: "new MouseEvent('click', {clientX: 25})")
        XCTAssertEqual(try page.eval(page.js.dom.b3.onclick(click), as: Int.self), 125)
        // Nested fields, in the order given.
        page.js.dom.b3.onclick = page.callback("getresult", event: [.targetValue, .clientY])
        let event = JS(code: "({target: {value: 40}, clientY: 2})")
        XCTAssertEqual(try page.eval(page.js.dom.b3.onclick(event), as: Int.self), 42)
        // A field the event lacks arrives as null: typed like any call, so the call is refused.
        XCTAssertThrowsError(try page.eval(page.js.dom.b3.onclick(JS(code: "({})")), as: Int.self)) { error in
            guard case .exception(let message, _)? = error as? EvalError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("argument 1 of getresult"), message)
        }
    }

    /// Errors in the page reach the server log (and `/_health`): a pushed statement that threw,
    /// the page's own uncaught error and unhandled rejection.
    func testErrorsInThePageAreReported() throws {
        let lines = Mutex<[String]>([])
        let harness = try BrowserHarness {
            $0.log = Log(level: .warning) { line in lines.withLock { $0.append(line) } }
            $0.bridge.errorLogInterval = .zero
        }
        defer { harness.close() }
        let (_, page) = try harness.open("/index.html")
        // One line per poll's reports at most, so each error is made after the last was logged.
        let steps: [(JS?, String)] = [
            (nil, #"failed: TypeError: Cannot set properties of null (setting 'innerHTML') (in: document.getElementById("missing").innerHTML=1)"#),
            (JS(code: "setTimeout(function () { throw new RangeError('boom') }, 0)"), "uncaught error: RangeError: boom (in: http://127.0.0.1:"),
            (JS(code: "Promise.reject(new Error('nope'))"), "unhandled rejection: Error: nope"),
        ]
        for (statement, wanted) in steps {
            if let statement { page.run(statement) } else { page.js.dom.missing.innerHTML = 1 }
            XCTAssertTrue(eventually(timeout: 10) {
                _ = try? page.eval(page.js.document.title, as: String.self)  // each read is a poll that carries reports
                return lines.withLock { $0 }.contains { $0.contains(wanted) }
            }, "\(wanted) not in \(lines.withLock { $0 })")
        }
        XCTAssertEqual(harness.server.bridge?.registry.pageErrorCount, 3)
    }

    func testUncaughtErrorsCanBeTurnedOff() throws {
        let lines = Mutex<[String]>([])
        let harness = try BrowserHarness {
            $0.log = Log(level: .warning) { line in lines.withLock { $0.append(line) } }
            $0.bridge.errorLogInterval = .zero
            $0.bridge.reportUncaughtPageErrors = false
        }
        defer { harness.close() }
        let (_, page) = try harness.open("/index.html")
        page.run(JS(code: "setTimeout(function () { throw new RangeError('boom') }, 0)"))
        _ = try page.eval(page.js.document.title, as: String.self)
        page.js.dom.missing.innerHTML = 1
        XCTAssertTrue(eventually(timeout: 10) {
            _ = try? page.eval(page.js.document.title, as: String.self)
            return lines.withLock { $0 }.contains { $0.contains("(in: document.getElementById(\"missing\").innerHTML=1)") }
        }, "\(lines.withLock { $0 })")
        XCTAssertFalse(lines.withLock { $0 }.contains { $0.contains("boom") }, "\(lines.withLock { $0 })")
        XCTAssertEqual(harness.server.bridge?.registry.pageErrorCount, 1)
    }
}
