import Foundation
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
}
