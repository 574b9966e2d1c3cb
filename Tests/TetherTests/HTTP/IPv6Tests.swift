import XCTest
@testable import TetherHTTP

/// The server on the IPv6 loopback, asked by curl with a bracketed address.
final class IPv6Tests: XCTestCase {
    /// Skips when this machine cannot bind `::1` (IPv6 disabled, as in some containers).
    private func requireIPv6Loopback() throws {
        do {
            let probe = try Listener(host: "::1", port: 0)
            probe.close()
        } catch {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
    }

    func testServerOnIPv6LoopbackAnswersCurl() throws {
        try requireIPv6Loopback()
        let server = try startHTTPServer({ $0.host = "::1" }, handler: echoHandler)
        defer { server.stop() }
        XCTAssertEqual(server.listener.host, "::1")
        let result = try curl(["-g", "http://[::1]:\(server.port)/v6"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(result.body, "GET /v6 0")
    }

    func testServerOnIPv6LoopbackIsNotOnIPv4() throws {
        try requireIPv6Loopback()
        let server = try startHTTPServer({ $0.host = "::1" }, handler: echoHandler)
        defer { server.stop() }
        XCTAssertThrowsError(try RawConnection(port: server.port, host: "127.0.0.1"),
                             "a server bound to ::1 must not answer on 127.0.0.1")
    }

    func testRawIPv6ClientIsServed() throws {
        try requireIPv6Loopback()
        let server = try startHTTPServer({ $0.host = "::1" }, handler: echoHandler)
        defer { server.stop() }
        let connection = try RawConnection(port: server.port, host: "::1")
        XCTAssertEqual(connection.request("GET", "/raw", timeout: 5)?.text, "GET /raw 0")
    }
}
