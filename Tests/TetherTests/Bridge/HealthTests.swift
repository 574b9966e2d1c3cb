import Foundation
import XCTest
@testable import Tether

/// `_health` says what is wrong: 503 `degraded` with the reason when nothing can be served.
final class HealthTests: XCTestCase {
    func testMissingWWWMakesHealthDegraded() throws {
        let site = try TemporaryWWW()
        try site.write("index.html", "<!doctype html><title>t</title>")
        let server = try startDemoServer { $0.www = site.wwwPath }
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/_health"
        let healthy = try curl([url])
        XCTAssertEqual(healthy.status, 200)
        XCTAssertTrue(healthy.body.hasPrefix("{\"status\":\"ok\","), healthy.body)

        try FileManager.default.removeItem(at: site.www)
        let degraded = try curl([url])
        XCTAssertEqual(degraded.status, 503)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(degraded.body.utf8)) as? [String: Any])
        XCTAssertEqual(json["status"] as? String, "degraded")
        let reason = try XCTUnwrap(json["reason"] as? String)
        XCTAssertTrue(reason.contains("www directory") && reason.contains("is gone"), reason)
        XCTAssertNotNil(json["sessions"])

        try FileManager.default.createDirectory(at: site.www, withIntermediateDirectories: true)
        XCTAssertEqual(try curl([url]).status, 200, "healthy again once www is back")
    }
}
