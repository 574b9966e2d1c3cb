import XCTest
import Tether
@testable import TetherDemos
import TetherTesting

/// The demo apps tested the way an app author tests theirs: with TetherTesting, no sockets.
final class DemoAppTests: XCTestCase {
    func testCounterIncrementWritesTheCount() throws {
        let page = try TestPage(Counter.self)
        try page.call("increment")
        try page.call("increment")
        XCTAssertEqual(page.statements, [
            #"document.getElementById("count").innerHTML=1"#,
            #"document.getElementById("count").innerHTML=2"#,
        ])
        XCTAssertEqual(page.withApp { $0.count }, 2)
    }

    func testCounterGetresultAndProperty() throws {
        let page = try TestPage(Counter.self)
        XCTAssertEqual(try page.call("getresult", 125, 99, as: Int.self), 224)
        try page.set("count", 7)
        XCTAssertEqual(try page.get("count", as: Int.self), 7)
        XCTAssertEqual(page.takeStatements(), [#"document.getElementById("count").innerHTML=7"#])
        XCTAssertEqual(page.exposedNames.methods, ["increment", "getresult"])
        XCTAssertEqual(page.exposedNames.settable, ["count"])
    }

    func testCounterNeverTrapsAtItsLimits() throws {
        let page = try TestPage(Counter.self)
        page.withApp { $0.count = .max }  // Swift code may set anything; increment still checks
        XCTAssertThrowsError(try page.call("increment")) { XCTAssertEqual($0 as? EndpointError, .badArguments("the count is at its largest (9223372036854775807)")) }
        XCTAssertThrowsError(try page.set("count", Int.min)) { error in
            guard case .badArguments? = error as? EndpointError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try page.call("getresult", Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude)) { error in
            guard case .badArguments? = error as? EndpointError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(page.withApp { $0.count }, .max)
    }

    func testCounterRefusesWhatIsNotExposed() throws {
        let page = try TestPage(Counter.self)
        XCTAssertThrowsError(try page.call("deinit")) { XCTAssertEqual($0 as? EndpointError, .unknownFunction("deinit")) }
        XCTAssertThrowsError(try page.call("getresult", "a", 1)) { error in
            guard case .badArguments? = error as? EndpointError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try page.set("page", 1)) { XCTAssertEqual($0 as? EndpointError, .unknownProperty("page")) }
    }

    func testStopwatchMainShowsTimeAndEndsWithThePage() throws {
        let page = try TestPage(Stopwatch.self)
        page.startMain()
        let writes = page.waitForStatements(2)
        XCTAssertGreaterThanOrEqual(writes.count, 2)
        XCTAssertTrue(writes.allSatisfy { $0.hasPrefix(#"document.getElementById("time").innerHTML=""#) }, "\(writes)")
        XCTAssertFalse(page.waitForMainToEnd(timeout: .milliseconds(50)), "main runs while the page is open")
        page.close()
        XCTAssertTrue(page.waitForMainToEnd(), "main returned once the page closed")
    }

    func testStopwatchPauseSwapsTheCallback() throws {
        let page = try TestPage(Stopwatch.self)
        try page.call("stop")
        XCTAssertEqual(page.takeStatements(), [
            #"document.getElementById("b2").innerHTML="Restart""#,
            #"document.getElementById("b2").onclick=(function(e){return tether.callback("restart",[],[],e)})"#,
        ])
        try page.call("stop")
        XCTAssertEqual(page.takeStatements(), [], "pausing twice changes nothing")
        try page.call("restart")
        XCTAssertEqual(page.takeStatements(), [
            #"document.getElementById("b2").innerHTML="Pause""#,
            #"document.getElementById("b2").onclick=(function(e){return tether.callback("stop",[],[],e)})"#,
        ])
        try page.call("reset")
        XCTAssertEqual(page.takeStatements(), [#"document.getElementById("time").innerHTML="0.0""#])
    }

    func testStopwatchFormatsTenths() {
        XCTAssertEqual(Stopwatch.format(.zero), "0.0")
        XCTAssertEqual(Stopwatch.format(.milliseconds(12_345)), "12.3")
        XCTAssertEqual(Stopwatch.format(.milliseconds(99)), "0.0")
    }

    func testFactorReadsThePageAndWritesNewValues() throws {
        let page = try TestPage(Factor.self)
        page.answer("adjust(5.0)", with: 6.5)
        page.answer("factor", with: 1.3)
        XCTAssertEqual(try page.call("demo", 5, as: String.self), "Factor is 1.3, 2 x result is 13.0")
        XCTAssertEqual(page.statements, ["adjust(5.0)", "factor", "factor=2.3", #"data={"a":15.4,"b":12.7,"c":[5,4,6]}"#])
    }

    func testFactorReportsAPageExceptionAsAFailedCall() throws {
        let page = try TestPage(Factor.self)
        page.fail("adjust(5.0)", with: "ReferenceError: adjust is not defined")
        XCTAssertThrowsError(try page.call("demo", 5)) { error in
            XCTAssertEqual(error as? EndpointError,
                           .failed("JavaScript exception: ReferenceError: adjust is not defined (in: adjust(5.0))"))
        }
    }

    func testFactorUnansweredReadTimesOut() throws {
        let page = try TestPage(Factor.self, evalTimeout: .milliseconds(100))
        XCTAssertThrowsError(try page.call("demo", 5)) { error in
            XCTAssertEqual(error as? EndpointError, .failed("no answer from the page within 0.1 s to: adjust(5.0)"))
        }
    }

    func testEvalOnAClosedTestPageThrowsPageClosed() throws {
        let page = try TestPage(Factor.self)
        page.close()
        XCTAssertThrowsError(try page.page.eval(page.page.js.factor, as: Double.self)) { error in
            XCTAssertEqual(error as? EvalError, .pageClosed(statement: "factor"))
        }
    }
}
