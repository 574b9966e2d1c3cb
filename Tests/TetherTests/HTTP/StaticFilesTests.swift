import XCTest
@testable import TetherHTTP
import TetherBridge

/// `StaticFiles` behind a real `HTTPServer`, asked with curl (and a raw socket where curl hides the bytes).
final class StaticFilesTests: XCTestCase {
    private var site: TemporaryWWW?
    private var server: HTTPServer?

    override func setUpWithError() throws {
        let site = try TemporaryWWW()
        try site.write("index.html", "<!doctype html><title>home</title>")
        try site.write("style.css", "body { color: red }")
        try site.write("sub/index.html", "<p>sub</p>")
        try site.makeDirectory("empty")
        self.site = site
        server = try startHTTPServer(handler: StaticFiles(root: site.wwwPath, errorFormat: .json))
    }

    override func tearDown() {
        server?.stop()
        server = nil
        site = nil
    }

    private func url(_ path: String) throws -> String {
        "http://127.0.0.1:\(try XCTUnwrap(server).port)\(path)"
    }

    private func get(_ path: String, _ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> CurlResult {
        let result = try curl(extra + [try url(path)])
        XCTAssertEqual(result.exitCode, 0, "curl \(path): \(result.stderr)", file: file, line: line)
        assertFramed(result, path, file: file, line: line)
        return result
    }

    /// Every response names its type (but a 304, which has no content: RFC 9110 §15.4.5) and
    /// its length, which must match the body sent.
    private func assertFramed(_ result: CurlResult, _ what: String, isHead: Bool = false,
                              file: StaticString = #filePath, line: UInt = #line) {
        if result.status == 304 {
            XCTAssertNil(result.headers["content-type"], "\(what): a 304 names no type", file: file, line: line)
        } else {
            XCTAssertNotNil(result.headers["content-type"], "\(what): no Content-Type", file: file, line: line)
        }
        guard let length = result.headers["content-length"].flatMap({ Int($0) }) else {
            return XCTFail("\(what): no numeric Content-Length", file: file, line: line)
        }
        if !isHead && result.status != 304 {
            XCTAssertEqual(length, result.body.utf8.count, "\(what): Content-Length differs from the body", file: file, line: line)
        }
    }

    // MARK: Content

    func testFileIsServedWith200AndItsExactBytes() throws {
        let site = try XCTUnwrap(site), server = try XCTUnwrap(server)
        let bytes = (0..<1024).map { UInt8($0 % 256) }
        try site.write("blob.bin", bytes: bytes)
        let connection = try RawConnection(port: server.port)
        let response = try XCTUnwrap(connection.request("GET", "/blob.bin", timeout: 5))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, bytes)
        XCTAssertEqual(response.headers["content-type"], "application/octet-stream")
    }

    func testContentTypeFollowsTheExtension() throws {
        let site = try XCTUnwrap(site)
        let expected = [
            "html": "text/html; charset=utf-8",
            "css": "text/css; charset=utf-8",
            "js": "text/javascript; charset=utf-8",
            "mjs": "text/javascript; charset=utf-8",
            "json": "application/json",
            "svg": "image/svg+xml",
            "png": "image/png",
            "jpg": "image/jpeg",
            "gif": "image/gif",
            "ico": "image/x-icon",
            "webp": "image/webp",
            "woff2": "font/woff2",
            "wasm": "application/wasm",
            "txt": "text/plain; charset=utf-8",
            "unknownext": "application/octet-stream",
        ]
        for ext in expected.keys { try site.write("types/file.\(ext)", "x") }
        try site.write("types/UPPER.PNG", "x")
        for (ext, type) in expected.sorted(by: { $0.key < $1.key }) {
            let result = try get("/types/file.\(ext)")
            XCTAssertEqual(result.status, 200, ext)
            XCTAssertEqual(result.headers["content-type"], type, ext)
        }
        XCTAssertEqual(try get("/types/UPPER.PNG").headers["content-type"], "image/png")
    }

    func testHTMLIsNoCacheAndOtherFilesAreNot() throws {
        let html = try get("/index.html")
        XCTAssertEqual(html.headers["cache-control"], "no-cache")
        XCTAssertEqual(html.body, "<!doctype html><title>home</title>")
        let css = try get("/style.css")
        XCTAssertEqual(css.status, 200)
        XCTAssertNil(css.headers["cache-control"])
    }

    func testRootAndDirectoryServeTheirIndex() throws {
        XCTAssertEqual(try get("/").body, "<!doctype html><title>home</title>")
        XCTAssertEqual(try get("/sub/").body, "<p>sub</p>")
    }

    func testDirectoryWithoutSlashIsRedirectedKeepingTheQuery() throws {
        let result = try get("/sub?tab=2")
        XCTAssertEqual(result.status, 301)
        XCTAssertEqual(result.headers["location"], "sub/?tab=2")
    }

    func testDirectoryWithoutIndexIsNotFoundAndNotListed() throws {
        try XCTUnwrap(site).write("empty/listed-if-buggy.txt", "x")
        let result = try get("/empty/")
        XCTAssertEqual(result.status, 404)
        XCTAssertFalse(result.body.contains("listed-if-buggy"))
    }

    func testMissingFileIsNotFoundWithAJSONError() throws {
        let result = try get("/nope.html")
        XCTAssertEqual(result.status, 404)
        XCTAssertEqual(result.headers["content-type"], "application/json")
        XCTAssertTrue(result.body.contains("\"code\":\"not_found\""), result.body)
    }

    // MARK: Validators

    func testETagWithIfNoneMatchGives304WithoutBody() throws {
        let first = try get("/style.css")
        let etag = try XCTUnwrap(first.headers["etag"])
        XCTAssertTrue(etag.hasPrefix("\"") && etag.hasSuffix("\""), "a strong, quoted tag: \(etag)")
        XCTAssertEqual(try get("/style.css").headers["etag"], etag, "the tag is stable while the file is")

        for header in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
            let cached = try get("/style.css", ["-H", "If-None-Match: \(header)"])
            XCTAssertEqual(cached.status, 304, header)
            XCTAssertEqual(cached.body, "", header)
            XCTAssertEqual(cached.headers["etag"], etag)
        }
        XCTAssertEqual(try get("/style.css", ["-H", "If-None-Match: \"other\""]).status, 200)
    }

    func testChangedFileGetsANewETagAndTheOldOneNoLongerMatches() throws {
        let site = try XCTUnwrap(site)
        let etag = try XCTUnwrap(try get("/style.css").headers["etag"])
        try site.write("style.css", "body { color: blue; margin: 0 }")
        let fresh = try get("/style.css", ["-H", "If-None-Match: \(etag)"])
        XCTAssertEqual(fresh.status, 200)
        XCTAssertEqual(fresh.body, "body { color: blue; margin: 0 }")
        XCTAssertNotEqual(fresh.headers["etag"], etag)
    }

    func test304OnTheWireHasNoBodyAndTheConnectionStaysUsable() throws {
        let server = try XCTUnwrap(server)
        let connection = try RawConnection(port: server.port)
        let etag = try XCTUnwrap(connection.request("GET", "/style.css", timeout: 5)?.headers["etag"])
        let cached = try XCTUnwrap(connection.request("GET", "/style.css", headers: ["If-None-Match": etag], timeout: 5))
        XCTAssertEqual(cached.status, 304)
        // Had the 304 carried body bytes, they would now be read as the next response's head.
        let next = try XCTUnwrap(connection.request("GET", "/index.html", timeout: 5))
        XCTAssertEqual(next.status, 200)
        XCTAssertEqual(next.text, "<!doctype html><title>home</title>")
    }

    // MARK: Methods

    func testHeadHasContentLengthAndNoBody() throws {
        let head = try curl(["-I", try url("/style.css")])
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["content-length"], "19")
        XCTAssertEqual(head.headers["content-type"], "text/css; charset=utf-8")
        XCTAssertEqual(head.body, "")

        // On one connection: HEAD's body bytes, if sent, would corrupt the next response.
        let connection = try RawConnection(port: try XCTUnwrap(server).port)
        let raw = try XCTUnwrap(connection.request("HEAD", "/style.css", timeout: 5))
        XCTAssertEqual(raw.headers["content-length"], "19")
        let next = try XCTUnwrap(connection.request("GET", "/index.html", timeout: 5))
        XCTAssertEqual(next.status, 200)
        XCTAssertEqual(next.text, "<!doctype html><title>home</title>")
    }

    func testOtherMethodsOnAStaticPathAre405WithAllow() throws {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let result = try get("/index.html", ["-X", method, "--data-binary", "x=1"])
            XCTAssertEqual(result.status, 405, method)
            XCTAssertEqual(result.headers["allow"], "GET, HEAD", method)
            XCTAssertTrue(result.body.contains("\"code\":\"method_not_allowed\""), result.body)
        }
        let delete = try get("/index.html", ["-X", "DELETE"])
        XCTAssertEqual(delete.status, 405)
        XCTAssertEqual(delete.headers["allow"], "GET, HEAD")
    }

    func testEveryResponseHasContentLengthAndContentType() throws {
        // `get` checks both headers and that the length matches the body on each of these.
        let etag = try XCTUnwrap(try get("/style.css").headers["etag"])
        let statuses = [
            try get("/").status,
            try get("/style.css", ["-H", "If-None-Match: \(etag)"]).status,
            try get("/sub").status,
            try get("/%zz").status,
            try get("/missing").status,
            try get("/", ["-X", "POST"]).status,
        ]
        XCTAssertEqual(statuses, [200, 304, 301, 400, 404, 405])
    }
}
