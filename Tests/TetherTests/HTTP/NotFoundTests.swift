import XCTest
@testable import TetherHTTP
import TetherBridge

/// A browser asking for a missing page gets a small HTML page; API clients the JSON error.
final class NotFoundTests: XCTestCase {
    func testBrowserGetsHTMLAndCurlGetsJSON() throws {
        let site = try TemporaryWWW()
        let server = try startHTTPServer(handler: StaticFiles(root: site.wwwPath, errorFormat: .json, log: .silent))
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/missing.html"
        let chromeAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        let browser = try curl(["-H", "Accept: \(chromeAccept)", url])
        XCTAssertEqual(browser.status, 404)
        XCTAssertEqual(browser.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertTrue(browser.body.contains("<h1>Not found</h1>"), browser.body)
        XCTAssertEqual(Int(browser.headers["content-length"] ?? ""), browser.body.utf8.count)

        let api = try curl([url])
        XCTAssertEqual(api.status, 404)
        XCTAssertEqual(api.headers["content-type"], "application/json")
        XCTAssertEqual(api.body, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such file\"}}")
    }

    func testAcceptParsing() {
        XCTAssertTrue(StaticFiles.prefersHTML("text/html"))
        XCTAssertTrue(StaticFiles.prefersHTML("application/json, TEXT/HTML ;q=0.5"))
        XCTAssertFalse(StaticFiles.prefersHTML("text/html;q=0"))
        XCTAssertFalse(StaticFiles.prefersHTML("*/*"))
        XCTAssertFalse(StaticFiles.prefersHTML("application/json"))
        XCTAssertFalse(StaticFiles.prefersHTML(nil))
    }
}
