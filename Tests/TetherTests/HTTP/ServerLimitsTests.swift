import XCTest
@testable import TetherHTTP

/// Size limits and the connection cap over raw sockets: each refusal is the right status, the
/// connection is closed, and the next client is still served.
final class ServerLimitsTests: XCTestCase {
    private var server: HTTPServer?

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func start(_ configure: (inout HTTPConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        let server = try startHTTPServer(configure, handler: echoHandler)
        self.server = server
        return server
    }

    /// Sends `bytes`, expects `status` with `code` in the JSON body, then the connection closed.
    private func assertRefused(_ bytes: [UInt8], status: Int, code: String, server: HTTPServer,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let connection = try RawConnection(port: server.port)
        XCTAssertTrue(connection.send(bytes), "could not send the request", file: file, line: line)
        let response = try XCTUnwrap(connection.readResponse(timeout: 5), "no response", file: file, line: line)
        XCTAssertEqual(response.status, status, file: file, line: line)
        XCTAssertEqual(response.errorCode, code, file: file, line: line)
        XCTAssertEqual(response.headers["connection"], "close", file: file, line: line)
        XCTAssertEqual(response.headers["content-length"], String(response.body.count), file: file, line: line)
        XCTAssertTrue(connection.waitForClose(timeout: 5), "the server kept the connection open", file: file, line: line)
        assertServesNextClient(server, file: file, line: line)
    }

    private func assertRefused(_ text: String, status: Int, code: String, server: HTTPServer,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        try assertRefused(Array(text.utf8), status: status, code: code, server: server, file: file, line: line)
    }

    // MARK: Request line and headers

    func testRequestLineOver8KiBGets414BeforeItEndsAndIsClosed() throws {
        let server = try start()
        // No CRLF ever comes: the server must answer on the size alone.
        let line = "GET /" + String(repeating: "a", count: 8 * 1024)
        try assertRefused(line, status: 414, code: "request_line_too_long", server: server)
    }

    func testRequestLineOver8KiBWithItsEndGets414() throws {
        let server = try start()
        let request = "GET /" + String(repeating: "a", count: 8 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        try assertRefused(request, status: 414, code: "request_line_too_long", server: server)
    }

    func testRequestLineJustUnder8KiBIsServed() throws {
        let server = try start()
        let target = "/" + String(repeating: "a", count: 8 * 1024 - 20)
        let connection = try RawConnection(port: server.port)
        let response = try XCTUnwrap(connection.request("GET", target, timeout: 5))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "GET \(target) 0")
    }

    func testHeadersOver32KiBGet431() throws {
        let server = try start()
        var request = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<33 { request += "X-Fill-\(i): \(String(repeating: "b", count: 1000))\r\n" }
        // No blank line: refused on the size alone, not after the head ends.
        try assertRefused(request, status: 431, code: "headers_too_large", server: server)
    }

    func testHundredAndOneHeaderFieldsGet431() throws {
        let server = try start()
        var request = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<100 { request += "X-\(i): v\r\n" }
        request += "\r\n"
        XCTAssertLessThan(request.utf8.count, 2048, "small, so it is the count that is refused")
        try assertRefused(request, status: 431, code: "too_many_headers", server: server)
    }

    func testHundredHeaderFieldsAreServed() throws {
        let server = try start()
        var headers: [String: String] = [:]
        for i in 0..<99 { headers["X-\(i)"] = "v" }  // plus Host
        let connection = try RawConnection(port: server.port)
        XCTAssertEqual(connection.request("GET", "/", headers: headers, timeout: 5)?.status, 200)
    }

    // MARK: Bodies

    func testContentLengthOverMaxBodyGets413WithoutSendingTheBody() throws {
        let server = try start { $0.maxBodyBytes = 1000 }
        // Only the head is sent: the answer must come before any body byte.
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n",
                          status: 413, code: "body_too_large", server: server)
    }

    func testContentLengthOverDefaultOneMiBGets413() throws {
        let server = try start()
        try assertRefused("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n",
                          status: 413, code: "body_too_large", server: server)
    }

    func testBodyOfExactlyMaxBodyBytesIsDelivered() throws {
        let server = try start { $0.maxBodyBytes = 1000 }
        let connection = try RawConnection(port: server.port)
        let response = try XCTUnwrap(connection.request("POST", "/up", body: String(repeating: "z", count: 1000), timeout: 5))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "POST /up 1000")
    }

    // MARK: Bad requests

    func testMalformedRequestLineGets400AndIsClosed() throws {
        let server = try start()
        try assertRefused("HELLO THERE\r\n\r\n", status: 400, code: "malformed_request", server: server)
    }

    func testBinaryGarbageGets400AndIsClosed() throws {
        let server = try start()
        try assertRefused([0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03, 13, 10, 13, 10],
                          status: 400, code: "malformed_request", server: server)
    }

    func testMissingHostGets400() throws {
        let server = try start()
        try assertRefused("GET / HTTP/1.1\r\n\r\n", status: 400, code: "malformed_request", server: server)
    }

    func testChunkedBodyGets501AndIsClosed() throws {
        let server = try start()
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                          status: 501, code: "transfer_encoding_not_supported", server: server)
    }

    func testHTTP2RequestLineGets505() throws {
        let server = try start()
        try assertRefused("GET / HTTP/2.0\r\nHost: a\r\n\r\n",
                          status: 505, code: "http_version_not_supported", server: server)
    }

    func testRefusalAfterAGoodRequestOnTheSameConnectionClosesIt() throws {
        let server = try start()
        let connection = try RawConnection(port: server.port)
        XCTAssertEqual(connection.request("GET", "/first", timeout: 5)?.status, 200)
        connection.send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.status, 400)
        XCTAssertTrue(connection.waitForClose(timeout: 5))
        assertServesNextClient(server)
    }

    // MARK: Connection cap

    func testAtTheCapTheConnectionIdleLongestGivesWay() throws {
        let server = try start { $0.maxConnections = 2 }
        // Each held connection completes a request, so it is surely admitted and idle.
        let first = try RawConnection(port: server.port)
        XCTAssertEqual(first.request("GET", "/one", timeout: 5)?.status, 200)
        let second = try RawConnection(port: server.port)
        XCTAssertEqual(second.request("GET", "/two", timeout: 5)?.status, 200)
        XCTAssertEqual(server.connectionCount, 2)

        // The third is admitted; the first, idle longest, is closed without a word.
        let third = try RawConnection(port: server.port)
        XCTAssertEqual(third.request("GET", "/three", timeout: 5)?.text, "GET /three 0")
        XCTAssertEqual(first.receiveUntilClosed(timeout: 5), [], "the idle-longest connection was not closed quietly")
        XCTAssertEqual(second.request("GET", "/still", timeout: 5)?.text, "GET /still 0", "the newer idle one was disturbed")
        XCTAssertEqual(server.connectionCount, 2)
    }

    func testAtTheCapWithNoIdleConnectionANewOneGets503AndAReleasedSlotIsReused() throws {
        let server = try start { $0.maxConnections = 2 }
        // Both are mid-request (part of a head sent): neither is idle, neither gives way.
        var first: RawConnection? = try RawConnection(port: server.port)
        let second = try RawConnection(port: server.port)
        first?.send("GET /one HTTP/1.1\r\nHost:")
        second.send("GET /two HTTP/1.1\r\nHost:")
        XCTAssertTrue(pollUntil { server.connectionCount == 2 })

        let third = try RawConnection(port: server.port)
        let refused = try XCTUnwrap(third.readResponse(timeout: 5), "no 503 for the connection over the cap")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.errorCode, "too_many_connections")
        XCTAssertEqual(refused.headers["connection"], "close")
        XCTAssertTrue(third.waitForClose(timeout: 5))

        // The held connections were not disturbed.
        second.send(" a\r\n\r\n")
        XCTAssertEqual(second.readResponse(timeout: 5)?.text, "GET /two 0")

        first = nil  // closes it; the server notices and frees the slot
        XCTAssertTrue(pollUntil { server.connectionCount == 1 }, "the closed connection was not released")
        assertServesNextClient(server)
        XCTAssertEqual(second.request("GET", "/after", timeout: 5)?.status, 200)
    }
}
