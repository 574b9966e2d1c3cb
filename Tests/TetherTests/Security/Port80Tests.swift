import Foundation
import XCTest
@testable import Tether

/// `--port 80`: browsers and curl leave the default port out of `Host`, and that must be ours.
final class Port80Tests: XCTestCase {
    func testServerOnPort80AnswersCurlAndRefusesAForeignHost() throws {
        let server: Server
        do {
            server = try startDemoServer { $0.http.port = 80 }
        } catch {
            throw XCTSkip("cannot bind port 80 here (\(error)); HostDefaultPortTests covers the allow list")
        }
        defer { server.stop() }
        let page = try curl(["http://127.0.0.1/"])
        XCTAssertEqual(page.status, 200, page.body)
        let session = try XCTUnwrap(page.headers["x-tether-session"])
        let call = try curl(["-H", "Content-Type: application/json", "-H", "Origin: http://127.0.0.1",
                             "-d", "{\"session\":\"\(session)\",\"task\":\"call\",\"function\":\"getresult\",\"args\":[1,2]}",
                             "http://127.0.0.1/_process_srv0"])
        XCTAssertEqual(call.body, "{\"value\":3}")
        XCTAssertEqual(try curl(["http://localhost/_health"]).status, 200)
        let foreign = try curl(["-H", "Host: evil.example", "http://127.0.0.1/"])
        XCTAssertEqual(foreign.status, 403)
        XCTAssertTrue(foreign.body.contains("foreign_host"), foreign.body)
    }
}
