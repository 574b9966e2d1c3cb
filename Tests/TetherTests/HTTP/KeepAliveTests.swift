import XCTest
@testable import TetherHTTP

/// Persistent connections: reuse, `Connection: close`, HTTP/1.0 and pipelining, over a raw socket.
final class KeepAliveTests: XCTestCase {
    private var server: HTTPServer?

    override func setUpWithError() throws {
        server = try startHTTPServer(handler: echoHandler)
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func connect() throws -> RawConnection {
        try RawConnection(port: try XCTUnwrap(server).port)
    }

    func testTwoRequestsOnOneConnectionAreBothAnswered() throws {
        let connection = try connect()
        let first = try XCTUnwrap(connection.request("GET", "/one", timeout: 5))
        XCTAssertEqual(first.text, "GET /one 0")
        XCTAssertEqual(first.headers["connection"], "keep-alive")
        let second = try XCTUnwrap(connection.request("POST", "/two", body: "abc", timeout: 5))
        XCTAssertEqual(second.text, "POST /two 3")
        XCTAssertEqual(second.headers["connection"], "keep-alive")
        XCTAssertEqual(try XCTUnwrap(server).connectionCount, 1, "both requests used the one connection")
    }

    func testConnectionCloseIsHonoured() throws {
        for value in ["close", "Close", "keep-alive, close", "Upgrade,CLOSE"] {
            let connection = try connect()
            connection.send("GET /bye HTTP/1.1\r\nHost: a\r\nConnection: \(value)\r\n\r\n")
            let response = try XCTUnwrap(connection.readResponse(timeout: 5), value)
            XCTAssertEqual(response.text, "GET /bye 0", value)
            XCTAssertEqual(response.headers["connection"], "close", value)
            XCTAssertEqual(connection.receiveUntilClosed(timeout: 5), [], "\(value): the server did not close")
        }
    }

    func testHTTP10WithoutKeepAliveIsClosedAfterTheResponse() throws {
        let connection = try connect()
        connection.send("GET /old HTTP/1.0\r\n\r\n")
        let response = try XCTUnwrap(connection.readResponse(timeout: 5))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "GET /old 0")
        XCTAssertEqual(response.headers["connection"], "close")
        XCTAssertEqual(connection.receiveUntilClosed(timeout: 5), [], "an HTTP/1.0 connection stayed open")
    }

    func testHTTP10WithKeepAliveStaysOpen() throws {
        let connection = try connect()
        connection.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try XCTUnwrap(connection.readResponse(timeout: 5))
        XCTAssertEqual(first.headers["connection"], "keep-alive")
        connection.send("GET /b HTTP/1.0\r\n\r\n")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /b 0")
        XCTAssertTrue(connection.waitForClose(timeout: 5), "the second request did not ask to stay open")
    }

    func testPipelinedRequestsInOneWriteAreAnsweredInOrder() throws {
        let connection = try connect()
        connection.send(
            "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /third HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /first 0")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "POST /second 5")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /third 0")
        // Still open for more.
        XCTAssertEqual(connection.request("GET", "/fourth", timeout: 5)?.text, "GET /fourth 0")
    }

    func testPipelinedRequestsSplitAcrossWritesAreAnsweredInOrder() throws {
        let connection = try connect()
        connection.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /sec")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /first 0")
        connection.send("ond HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /second 0")
    }

    func testEmptyLinesBetweenPipelinedRequestsAreSkipped() throws {
        let connection = try connect()
        connection.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /a 0")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /b 0")
    }

    func testRequestPipelinedAfterConnectionCloseIsNotAnswered() throws {
        let connection = try connect()
        connection.send("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(connection.readResponse(timeout: 5)?.text, "GET /last 0")
        XCTAssertEqual(connection.receiveUntilClosed(timeout: 5), [])
    }
}
