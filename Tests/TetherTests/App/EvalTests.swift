import XCTest
import TetherClient
import Synchronization
@testable import Tether
@testable import TetherDemos

/// Reading from the page: round trips, typed errors, and reads inside a running call.
final class EvalTests: XCTestCase {
    /// Evaluates the factor demo's page the way a browser would, by rule.
    static func factorPage(_ js: String) -> ReadOutcome {
        switch js {
        case "adjust(5)", "adjust(5.0)": .value(.number("6.5"))
        case "factor": .value(.number("1.3"))
        case "broken()": .exception("ReferenceError: broken is not defined")
        case "document.title": .value(.string("Tether"))
        default: .value(.null)
        }
    }

    func testEvalRoundTripDecodesTheValue() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/factor.html", evaluate: Self.factorPage)
        defer { browser.vanish() }
        let page = try XCTUnwrap(server.waitForPage(browser.session))
        XCTAssertEqual(try page.eval(page.js.adjust(5), as: Double.self), 6.5)
        XCTAssertEqual(try page.eval(page.js.document.title, as: String.self), "Tether")
    }

    func testHandlerReadsFromThePageWhileItRuns() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/factor.html", evaluate: Self.factorPage)
        defer { browser.vanish() }
        XCTAssertEqual(try browser.call("demo", "5"), .string("Factor is 1.3, 2 x result is 13.0"))
        XCTAssertEqual(Array(browser.waitForCommands(4).suffix(2)), ["factor=2.3", "data={\"a\":15.4,\"b\":12.7,\"c\":[5,4,6]}"])
    }

    func testJSExceptionSurfacesAsTypedErrorWithBrowserMessage() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, evaluate: Self.factorPage)
        defer { browser.vanish() }
        let page = try XCTUnwrap(server.waitForPage(browser.session))
        XCTAssertThrowsError(try page.eval(page.js.broken(), as: Int.self)) { error in
            XCTAssertEqual(error as? EvalError, .exception(message: "ReferenceError: broken is not defined", statement: "broken()"))
        }
        XCTAssertEqual(try page.eval(page.js.factor, as: Double.self), 1.3, "the page keeps working")
    }

    func testWrongTypeIsAnErrorWithTheJSONReceived() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, evaluate: Self.factorPage)
        defer { browser.vanish() }
        let page = try XCTUnwrap(server.waitForPage(browser.session))
        XCTAssertThrowsError(try page.eval(page.js.document.title, as: Int.self)) { error in
            XCTAssertEqual(error as? EvalError, .wrongType(expected: "Int", received: "\"Tether\"", statement: "document.title"))
        }
        XCTAssertThrowsError(try page.eval(page.js.nothing, as: Int.self)) { error in
            XCTAssertEqual(error as? EvalError, .wrongType(expected: "Int", received: "null", statement: "nothing"))
        }
        XCTAssertNil(try page.eval(page.js.nothing, as: Int?.self))
    }

    func testEvalTimesOutWhenNobodyPolls() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let loader = try RawConnection(port: server.port)
        let id = try XCTUnwrap(loader.request("GET", "/factor.html")?.headers["x-tether-session"])
        XCTAssertNil(server.page(id: id), "a page load opens no session")
        // Any first request opens it, even one answered 404; this page then never polls.
        XCTAssertEqual(loader.post("/_process_srv0", json: "{\"session\":\"\(id)\",\"task\":\"get\",\"property\":\"none\"}")?.status, 404)
        let page = try XCTUnwrap(server.page(id: id))
        XCTAssertThrowsError(try page.eval(page.js.factor, as: Double.self, timeout: .milliseconds(150))) { error in
            XCTAssertEqual(error as? EvalError, .timedOut(statement: "factor", after: .milliseconds(150)))
        }
    }

    func testEvalOnClosedPageThrowsPageClosed() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, evaluate: Self.factorPage)
        let page = try XCTUnwrap(server.waitForPage(browser.session))
        try browser.unload()
        XCTAssertFalse(page.isOpen)
        XCTAssertThrowsError(try page.eval(page.js.factor, as: Double.self)) { error in
            XCTAssertEqual(error as? EvalError, .pageClosed(statement: "factor"))
        }
    }

    func testCallsIntoDifferentPagesRunInParallel() throws {
        // Page A's call blocks inside eval (its page does not answer yet); page B is served meanwhile.
        let release = Atomic<Bool>(false)
        let server = try startDemoServer()
        defer { server.stop() }
        let slow = try PageClient.live(port: server.port, path: "/factor.html") { js in
            while !release.load(ordering: .relaxed) { usleep(1000) }
            return EvalTests.factorPage(js)
        }
        let fast = try PageClient.live(port: server.port)
        defer { release.store(true, ordering: .relaxed); slow.vanish(); fast.vanish() }
        let slowDone = expectation(description: "slow call returned")
        DispatchQueue.global().async {
            _ = try? slow.call("demo", "5")
            slowDone.fulfill()
        }
        XCTAssertEqual(try fast.call("getresult", "1, 2").jsonText, "3")
        release.store(true, ordering: .relaxed)
        wait(for: [slowDone], timeout: 10)
    }
}
