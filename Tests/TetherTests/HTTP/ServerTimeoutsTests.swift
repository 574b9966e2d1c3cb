import Dispatch
import XCTest
@testable import TetherHTTP

/// Header, body, idle and write timeouts, made short through the configuration; and clients
/// that vanish. After each, the next client is served.
final class ServerTimeoutsTests: XCTestCase {
    private var server: HTTPServer?

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func start(_ configure: (inout HTTPConfiguration) -> Void, handler: any HTTPHandler = echoHandler) throws -> HTTPServer {
        let server = try startHTTPServer(configure, handler: handler)
        self.server = server
        return server
    }

    /// Reads the 408 the server owes, then expects the connection closed.
    private func assert408ThenClosed(_ connection: RawConnection, file: StaticString = #filePath, line: UInt = #line) throws {
        let response = try XCTUnwrap(connection.readResponse(timeout: 5), "no 408", file: file, line: line)
        XCTAssertEqual(response.status, 408, file: file, line: line)
        XCTAssertEqual(response.errorCode, "request_timeout", file: file, line: line)
        XCTAssertEqual(response.headers["connection"], "close", file: file, line: line)
        XCTAssertTrue(connection.waitForClose(timeout: 5), "not closed after the 408", file: file, line: line)
    }

    // MARK: Header timeout

    func testClientThatSendsNothingGets408AfterTheHeaderTimeout() throws {
        let server = try start { $0.headerTimeout = .milliseconds(300) }
        let started = ContinuousClock.now
        let connection = try RawConnection(port: server.port)
        try assert408ThenClosed(connection)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300), "answered before the timeout")
        assertServesNextClient(server)
    }

    func testSlowClientNotFinishingItsHeadersGets408AndIsClosed() throws {
        let server = try start { $0.headerTimeout = .milliseconds(300) }
        let connection = try RawConnection(port: server.port)
        let started = ContinuousClock.now
        connection.send("GET / HTTP/1.1\r\nHost: a\r\nX-Partial: ")
        try assert408ThenClosed(connection)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300), "answered before the timeout")
        assertServesNextClient(server)
    }

    func testFirstRequestHeadDeadlineCountsFromTheConnectionNotFromItsFirstByte() throws {
        // A client that waits almost the whole timeout before its first byte gets no second timeout.
        let server = try start { $0.headerTimeout = .seconds(1) }
        let connection = try RawConnection(port: server.port)
        let started = ContinuousClock.now
        usleep(800_000)
        connection.send("GET / HTTP/1.1\r\n")
        var answeredAt: Duration?
        while ContinuousClock.now - started < .seconds(4) {
            if connection.becomesReadable(within: 0.1) {
                answeredAt = ContinuousClock.now - started
                break
            }
            connection.send("X")  // still talking, never finishing
        }
        let elapsed = try XCTUnwrap(answeredAt, "no answer")
        XCTAssertLessThan(elapsed, .milliseconds(1600), "timed from the first byte (would be 1.8 s), not from connecting")
        try assert408ThenClosed(connection)
        assertServesNextClient(server)
    }

    func testClientDrippingOneByteAtATimeStillGets408() throws {
        // Slowloris: each byte arrives well within the timeout, the whole head never does.
        let server = try start { $0.headerTimeout = .milliseconds(300) }
        let connection = try RawConnection(port: server.port)
        let started = ContinuousClock.now
        connection.send("GET / HTTP/1.1\r\nHost: a\r\nX-Drip: ")
        var answered = false
        while ContinuousClock.now - started < .seconds(5) {
            if connection.becomesReadable(within: 0.05) {
                answered = true
                break
            }
            connection.send("z")
        }
        XCTAssertTrue(answered, "a dripping client kept its connection for 5 s with a 300 ms header timeout")
        try assert408ThenClosed(connection)
        assertServesNextClient(server)
    }

    // MARK: Idle timeout

    func testIdleKeepAliveConnectionIsClosedQuietlyAfterTheIdleTimeout() throws {
        // The header timeout is long: only the idle timeout can end this connection soon.
        let server = try start {
            $0.idleTimeout = .milliseconds(300)
            $0.headerTimeout = .seconds(30)
        }
        let connection = try RawConnection(port: server.port)
        let started = ContinuousClock.now
        let response = try XCTUnwrap(connection.request("GET", "/a", timeout: 5))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["connection"], "keep-alive")
        let after = connection.receiveUntilClosed(timeout: 5)
        XCTAssertEqual(after, [], "an idle connection is closed without a response (nil: never closed)")
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300), "closed before the idle timeout")
        XCTAssertTrue(pollUntil { server.connectionCount == 0 })
        assertServesNextClient(server)
    }

    func testKeepAliveConnectionUsedWithinTheIdleTimeoutStaysOpen() throws {
        let server = try start { $0.idleTimeout = .seconds(5) }
        let connection = try RawConnection(port: server.port)
        for i in 0..<5 {
            XCTAssertEqual(connection.request("GET", "/\(i)", timeout: 5)?.text, "GET /\(i) 0")
        }
        XCTAssertFalse(connection.becomesReadable(within: 0), "the server closed a connection in use")
    }

    // MARK: Body timeout

    func testBodyThatStopsHalfwayGets408AfterTheBodyTimeout() throws {
        let server = try start {
            $0.bodyTimeout = .milliseconds(300)
            $0.headerTimeout = .seconds(30)
        }
        let connection = try RawConnection(port: server.port)
        let started = ContinuousClock.now
        connection.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + String(repeating: "h", count: 50))
        try assert408ThenClosed(connection)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300), "answered before the timeout")
        assertServesNextClient(server)
    }

    // MARK: Vanishing clients

    func testClientsDisconnectingMidRequestDoNotHurtOthers() throws {
        // Default (long) timeouts: only the disconnects can end these connections quickly.
        let server = try start { _ in }
        var midHead: RawConnection? = try RawConnection(port: server.port)
        var midBody: RawConnection? = try RawConnection(port: server.port)
        midHead?.send("GET /never HTTP/1.1\r\nHost:")
        midBody?.send("POST /never HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nhalf")
        XCTAssertTrue(pollUntil { server.connectionCount == 2 })

        // While both hang, others are served: each connection has its own thread.
        assertServesNextClient(server)

        midHead = nil
        midBody = nil
        XCTAssertTrue(pollUntil { server.connectionCount == 0 }, "connections of vanished clients were not released")
        assertServesNextClient(server)
    }

    func testClientGoneBeforeItsResponseDoesNotHurtTheServer() throws {
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let handler = HandlerFunction { request in
            guard request.path == "/slow" else { return HTTPResponse(body: Array("fast".utf8)) }
            entered.signal()
            _ = release.wait(timeout: .now() + 5)
            return HTTPResponse(body: [UInt8](repeating: 65, count: 1 << 20))
        }
        let server = try start({ _ in }, handler: handler)
        var client: RawConnection? = try RawConnection(port: server.port)
        client?.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(entered.wait(timeout: .now() + 5), .success)
        client = nil  // gone: the response will meet a closed socket (EPIPE, never SIGPIPE)
        release.signal()
        XCTAssertTrue(pollUntil { server.connectionCount == 0 })
        assertServesNextClient(server)
    }

    // MARK: Write timeout

    func testClientThatStopsReadingIsDroppedAfterTheWriteTimeout() throws {
        // 32 MiB cannot fit the socket buffers, so the server's send blocks until the timeout.
        let big = [UInt8](repeating: 66, count: 32 << 20)
        let entered = DispatchSemaphore(value: 0)
        let handler = HandlerFunction { _ in
            entered.signal()
            return HTTPResponse(body: big)
        }
        let server = try start({ $0.writeTimeout = .milliseconds(300) }, handler: handler)
        let connection = try RawConnection(port: server.port)
        connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(entered.wait(timeout: .now() + 5), .success)
        XCTAssertTrue(pollUntil { server.connectionCount == 0 }, "a client that never reads kept its connection")
        withExtendedLifetime(connection) {}
        assertServesNextClient(server)
    }
}
