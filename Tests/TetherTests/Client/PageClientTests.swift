import XCTest
import TetherBridge
import TetherClient
@testable import Tether
@testable import TetherDemos

/// The one page client, run the same way in process (the server's Bridge as the transport,
/// no socket) and live (a keep-alive loopback connection), as HummingbirdTesting runs one client
/// `.router` and `.live`.
final class PageClientTests: XCTestCase {
    private func transports(_ server: Server) throws -> [(String, any ClientTransport)] {
        [("in process", HandlerTransport(try XCTUnwrap(server.bridge))), ("live", SocketTransport(port: server.port))]
    }

    func testCallsWritesAndUnloadBehaveTheSameInProcessAndLive() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        for (name, transport) in try transports(server) {
            let page = try PageClient(loading: "/index.html", over: transport)
            page.startPolling()
            XCTAssertEqual(try page.call("getresult", [.number("125"), .number("99")]), .number("224"), name)
            try page.call("increment")
            XCTAssertEqual(page.waitForCommands(1), [#"document.getElementById("count").innerHTML=1"#], name)
            try page.unload()
            XCTAssertEqual(page.failure, nil, name)
            XCTAssertNil(server.page(id: page.session), "\(name): the page outlived its unload")
            XCTAssertEqual(refusal { try page.call("increment") }, 410, name)
        }
    }

    func testInlineCallRunsItsWritesBeforeItReturns() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        for (name, transport) in try transports(server) {
            // No poll at all: the writes can only have come in the call's own reply.
            let page = try PageClient(loading: "/index.html", over: transport)
            try page.call("increment", inline: true)
            try page.call("increment", inline: true)
            XCTAssertEqual(page.received, [#"document.getElementById("count").innerHTML=1"#,
                                           #"document.getElementById("count").innerHTML=2"#], name)
            try page.set("count", .number("7"), inline: true)
            XCTAssertEqual(page.received.last, #"document.getElementById("count").innerHTML=7"#, name)
            XCTAssertEqual(try page.get("count"), .number("7"), name)
            try page.unload()
        }
    }

    func testReadsAreAnsweredByTheRuleWithTheNextPoll() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        for (name, transport) in try transports(server) {
            let page = try PageClient(loading: "/factor.html", over: transport) { command in
                command.code == "factor" ? .value(.number("1.5")) : .exception("ReferenceError: \(command.code) is not defined")
            }
            page.startPolling()
            let app = try XCTUnwrap(server.waitForPage(page.session), name)
            XCTAssertEqual(try app.eval(app.js.factor, as: Double.self), 1.5, name)
            XCTAssertThrowsError(try app.eval(app.js.nothing, as: Double.self), name) { error in
                XCTAssertEqual(error as? EvalError, .exception(message: "ReferenceError: nothing is not defined", statement: "nothing"))
            }
            try page.unload()
        }
    }

    func testEachCommandRunsOnceInSeqOrder() {
        var state = PageState(session: "s")
        let commands = [PageCommand(seq: 1, operation: .assign(target: .global("a"), value: .literal(.number("1")))),
                        PageCommand(seq: 2, readID: 4, operation: .read(.global("b")))]
        let third = PageCommand(seq: 3, operation: .assign(target: .global("c"), value: .literal(.number("3"))))
        var ran: [String] = []
        state.run(commands) { ran.append($0.code); return .value(.number("2")) }
        state.run(commands + [third]) { ran.append($0.code); return nil }
        XCTAssertEqual(ran, ["a=1", "b", "c=3"])
        XCTAssertEqual(state.nextPoll(), .next(ack: 3, results: [.init(id: 4, outcome: .value(.number("2")))]))
        XCTAssertEqual(state.nextPoll(), .next(ack: 3, results: []), "an answer goes with one poll only")
    }

    func testALoadWithoutASessionHeaderIsMalformed() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        XCTAssertThrowsError(try PageClient(loading: "/style.css", over: SocketTransport(port: server.port))) { error in
            guard case .malformed? = error as? ClientError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try PageClient(loading: "/missing.html", over: SocketTransport(port: server.port))) { error in
            XCTAssertEqual((error as? ClientError)?.status, 404)
        }
    }
}

extension PageClientTests {
    func testARequestAfterTheServerClosedTheIdleConnectionGoesOnANewOne() throws {
        let server = try startDemoServer { $0.http.idleTimeout = .milliseconds(200) }
        defer { server.stop() }
        let page = try PageClient(loading: "/index.html", over: SocketTransport(port: server.port))
        XCTAssertEqual(try page.call("getresult", [.number("1"), .number("2")]), .number("3"))
        usleep(600_000)  // the server has closed the kept-alive connection by now
        XCTAssertEqual(try page.call("getresult", [.number("2"), .number("2")]), .number("4"))
        try page.unload()
    }
}
