import Dispatch
import XCTest
@testable import TetherHTTP

/// `HTTPServer.stop()`: idle connections are closed at once, requests in flight finish.
final class ServerStopTests: XCTestCase {
    func testStopReturnsPromptlyAndClosesAnIdleKeepAliveClient() throws {
        // A long grace: stop can only be prompt if it closes idle connections instead of waiting.
        let server = try startHTTPServer({ $0.shutdownGrace = .seconds(10) }, handler: echoHandler)
        defer { server.stop() }
        let idle = try RawConnection(port: server.port)
        XCTAssertEqual(idle.request("GET", "/a", timeout: 5)?.headers["connection"], "keep-alive")
        let silent = try RawConnection(port: server.port)  // connected, no request yet
        XCTAssertTrue(pollUntil { server.connectionCount == 2 })

        let started = ContinuousClock.now
        server.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3), "stop waited for idle connections")
        XCTAssertEqual(idle.receiveUntilClosed(timeout: 3), [], "the idle client was not closed (or got bytes)")
        XCTAssertNotNil(silent.receiveUntilClosed(timeout: 3), "the silent client was not closed")
        XCTAssertEqual(server.connectionCount, 0)
        XCTAssertFalse(server.isAccepting)
    }

    func testRequestInFlightGetsItsFullResponseWhenStopIsCalled() throws {
        let entered = DispatchSemaphore(value: 0)
        let body = [UInt8](repeating: 120, count: 100_000)
        let handler = HandlerFunction { _ in
            entered.signal()
            usleep(300_000)  // the request is in flight while stop() runs
            return HTTPResponse(body: body)
        }
        let server = try startHTTPServer({ $0.shutdownGrace = .seconds(5) }, handler: handler)
        defer { server.stop() }
        let client = try RawConnection(port: server.port)
        client.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(entered.wait(timeout: .now() + 5), .success, "the handler never ran")

        let started = ContinuousClock.now
        server.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        let response = try XCTUnwrap(client.readResponse(timeout: 5), "the request in flight lost its response")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, body)
        XCTAssertEqual(response.headers["connection"], "close", "a stopping server does not keep the connection")
        XCTAssertTrue(client.waitForClose(timeout: 3))
    }

    func testStopCutsAHandlerThatOutlivesTheGrace() throws {
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let handler = HandlerFunction { _ in
            entered.signal()
            _ = release.wait(timeout: .now() + 10)
            return HTTPResponse(body: Array("late".utf8))
        }
        let server = try startHTTPServer({ $0.shutdownGrace = .milliseconds(200) }, handler: handler)
        defer {
            release.signal()
            server.stop()
        }
        let client = try RawConnection(port: server.port)
        client.send("GET /stuck HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(entered.wait(timeout: .now() + 5), .success)

        let started = ContinuousClock.now
        server.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3), "stop did not honour the grace")
        XCTAssertNotNil(client.receiveUntilClosed(timeout: 3), "the stuck connection was not cut")
    }

    func testNoNewConnectionIsServedAfterStop() throws {
        let server = try startHTTPServer(handler: echoHandler)
        let port = server.port
        assertServesNextClient(server)
        server.stop()
        XCTAssertFalse(server.isAccepting)
        // The port is free again: a new listener can take it.
        let listener = try Listener(host: "127.0.0.1", port: port)
        XCTAssertEqual(listener.port, port)
        listener.close()
    }
}
