import XCTest
@testable import TetherBridge
@testable import TetherHTTP

/// The page script as a file: under any folder, cached by its versioned address, revalidated by
/// its ETag, behind the same Host check as everything else.
final class PageScriptFileTests: XCTestCase {
    private func get(_ target: String, method: String = "GET", headers: HTTPHeaders = ["Host": "127.0.0.1"]) throws -> HTTPResponse {
        try BridgeHarness().bridge.respond(to: HTTPRequest(method: method, target: target, headers: headers))
    }

    func testTheVersionedScriptIsJavaScriptCachedForAYear() throws {
        for target in ["/" + PageScriptFile.address, "/kiosk/" + PageScriptFile.address] {
            let response = try get(target)
            XCTAssertEqual(response.status, .ok, target)
            XCTAssertEqual(response.headers["Content-Type"], "text/javascript; charset=utf-8")
            XCTAssertEqual(response.headers["Cache-Control"], "public, max-age=31536000, immutable")
            XCTAssertEqual(response.headers["ETag"], "\"\(PageScriptFile.version)\"")
            XCTAssertEqual(response.text, PageScript.source)
            XCTAssertTrue(response.text.hasPrefix("// Tether page script"))
        }
    }

    func testWithoutTheCurrentVersionItIsRevalidated() throws {
        for target in ["/_tether.js", "/_tether.js?v=0"] {
            XCTAssertEqual(try get(target).headers["Cache-Control"], "no-cache", target)
        }
    }

    func testAMatchingETagGets304() throws {
        let etag = "\"\(PageScriptFile.version)\""
        let response = try get("/_tether.js", headers: ["Host": "127.0.0.1", "If-None-Match": "\"x\", " + etag])
        XCTAssertEqual(response.status, .notModified)
        XCTAssertEqual(response.body, [])
        XCTAssertEqual(try get("/_tether.js", headers: ["Host": "127.0.0.1", "If-None-Match": "\"x\""]).status, .ok)
    }

    func testOnlyGetAndHead() throws {
        XCTAssertEqual(try get("/_tether.js", method: "HEAD").status, .ok)
        let post = try get("/_tether.js", method: "POST")
        XCTAssertEqual(post.status, .methodNotAllowed)
        XCTAssertEqual(post.headers["Allow"], "GET, HEAD")
        XCTAssertEqual(post.errorCode, "method_not_allowed")
    }

    func testAForeignHostIsRefusedAsForEveryPath() throws {
        let bridge = Bridge(files: try StaticFiles(root: TestPaths.www), hosts: HostAllowList(boundHost: "127.0.0.1", port: 8080),
                            log: .silent, exposedNames: { _ in ExposedNames() }) { _ in RecordingEndpoint() }
        let response = bridge.respond(to: HTTPRequest(method: "GET", target: "/_tether.js", headers: ["Host": "evil.example"]))
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertEqual(response.errorCode, "foreign_host")
    }

    func testOnlyTheExactFileNameIsTheScript() throws {
        XCTAssertEqual(try get("/x_tether.js").status, .notFound)
        XCTAssertEqual(try get("/_tether.jsx").status, .notFound)
    }
}
