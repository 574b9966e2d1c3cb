import Foundation
import XCTest
@testable import Tether
@testable import TetherDemos

/// What a page on the open web (or a hostile local client) can try against a running
/// Tether server, over real sockets; after each attempt the server still serves normally.
final class HostileWebTests: XCTestCase {
    private var server: Server!
    private var base: String { "http://127.0.0.1:\(server.port)" }

    override func setUpWithError() throws {
        server = try startDemoServer { configuration in
            configuration.http.headerTimeout = .milliseconds(400)
            configuration.http.bodyTimeout = .milliseconds(400)
        }
    }

    override func tearDown() { server.stop() }

    /// Loads the page and makes its first request (reading `count`), which opens its session.
    private func openSession() throws -> String {
        let session = try XCTUnwrap(try curl([base + "/"]).headers["x-tether-session"])
        let first = try curl(["-H", "Content-Type: application/json",
                              "-d", "{\"session\":\"\(session)\",\"task\":\"get\",\"property\":\"count\"}", base + "/_process_srv0"])
        XCTAssertEqual(first.body, "{\"value\":0}")
        return session
    }

    private func call(_ session: String, _ function: String, headers: [String] = [], contentType: String = "application/json") throws -> CurlResult {
        try curl(["-H", "Content-Type: \(contentType)"] + headers.flatMap { ["-H", $0] } + [
            "-d", "{\"session\":\"\(session)\",\"task\":\"call\",\"function\":\"\(function)\",\"args\":[]}", base + "/_process_srv0",
        ])
    }

    private func count(_ session: String) -> Int? {
        server.page(id: session)?.withApp(as: Counter.self) { $0.count }
    }

    private func assertStillServes(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try curl(["--max-time", "2", base + "/_health"]).status, 200, "the server still serves", file: file, line: line)
    }

    func testForeignHostIsRefusedWith403() throws {
        for host in ["evil.example", "evil.example:\(server.port)", "127.0.0.1.nip.io:\(server.port)"] {
            let result = try curl(["-H", "Host: \(host)", base + "/"])
            XCTAssertEqual(result.status, 403, host)
            XCTAssertTrue(result.body.contains("\"foreign_host\""), result.body)
            XCTAssertNil(result.headers["x-tether-session"], "no session for a foreign host")
        }
        XCTAssertEqual(try curl(["-H", "Host: localhost:\(server.port)", base + "/"]).status, 200)
        try assertStillServes()
    }

    func testForeignOriginCannotCallEvenWithAValidSession() throws {
        let session = try openSession()
        for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
            let result = try call(session, "increment", headers: ["Origin: \(origin)"])
            XCTAssertEqual(result.status, 403, origin)
        }
        XCTAssertEqual(count(session), 0, "no call got through")
        XCTAssertEqual(try call(session, "increment", headers: ["Origin: http://127.0.0.1:\(server.port)"]).status, 200)
        XCTAssertEqual(count(session), 1)
    }

    func testNonJSONBodiesAreRefusedWith415() throws {
        let session = try openSession()
        for type in ["text/plain", "application/x-www-form-urlencoded"] {
            XCTAssertEqual(try call(session, "increment", contentType: type).status, 415, type)
        }
        XCTAssertEqual(count(session), 0)
        try assertStillServes()
    }

    func testPreflightIsNeverGranted() throws {
        let result = try curl(["-X", "OPTIONS", "-H", "Origin: http://evil.example",
                               "-H", "Access-Control-Request-Method: POST", base + "/_process_srv0"])
        XCTAssertEqual(result.status, 405)
        XCTAssertNil(result.headers["access-control-allow-origin"])
    }

    func testUnexposedNamesAreNotFound() throws {
        let session = try openSession()
        for name in ["deinit", "init", "main", "page", "exposed", "increment.call", "constructor"] {
            XCTAssertEqual(try call(session, name).status, 404, name)
        }
    }

    func testGuessedAndExpiredSessionsGet410() throws {
        XCTAssertEqual(try call(String(repeating: "0", count: 32), "increment").status, 410)
        let session = try openSession()
        _ = try curl(["-H", "Content-Type: application/json", "-d", "{\"session\":\"\(session)\",\"task\":\"unload\"}", base + "/_process_srv0"])
        XCTAssertEqual(try call(session, "increment").status, 410)
    }

    func testSlowlorisConnectionsDoNotStarveARealClient() throws {
        var attackers: [RawConnection] = []
        for _ in 0..<300 {
            let connection = try RawConnection(port: server.port)
            connection.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  // never finishes its head
            attackers.append(connection)
        }
        let result = try curl(["--max-time", "1", base + "/_health"])
        XCTAssertEqual(result.status, 200, "answered within 1 s with 300 slow clients open")
        // Each slow client gets 408 once the header timeout passes, and is closed.
        XCTAssertEqual(attackers.first?.readResponse(timeout: 3)?.status, 408)
        attackers.removeAll()
        try assertStillServes()
    }

    func testHeaderFloodGets431() throws {
        let connection = try RawConnection(port: server.port)
        var flood = "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"
        for n in 0..<200 { flood += "X-Flood-\(n): \(String(repeating: "a", count: 100))\r\n" }
        connection.send(flood + "\r\n")
        XCTAssertEqual(connection.readResponse()?.status, 431)
        XCTAssertTrue(connection.waitForClose(timeout: 2))
        try assertStillServes()
    }

    func testHugeContentLengthWithoutBodyGets413AtOnce() throws {
        let connection = try RawConnection(port: server.port)
        connection.send("POST /_process_srv0 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n")
        XCTAssertEqual(connection.readResponse(timeout: 2)?.status, 413)
        XCTAssertTrue(connection.waitForClose(timeout: 2))
        try assertStillServes()
    }

    func testBodyThatStopsHalfwayGets408() throws {
        let session = try openSession()
        let connection = try RawConnection(port: server.port)
        let body = "{\"session\":\"\(session)\",\"task\":\"call\",\"function\":\"increment\",\"args\":[]}"
        connection.send("POST /_process_srv0 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body.prefix(20))
        XCTAssertEqual(connection.readResponse(timeout: 3)?.status, 408)
        XCTAssertEqual(count(session), 0, "a half body is never handled")
        try assertStillServes()
    }
}
