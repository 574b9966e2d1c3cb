import Foundation
import XCTest
@testable import TetherHTTP
import TetherBridge

/// Pages compiled into the binary obey the rules a www directory does.
final class EmbeddedFilesTests: XCTestCase {
    private static let site = EmbeddedFiles(files: [
        "index.html": Array("<h1>home</h1>".utf8),
        "style.css": Array("body{}".utf8),
        "docs/index.html": Array("<h1>docs</h1>".utf8),
        "docs/api/ref.txt": Array("ref".utf8),
        ".env": Array("SECRET=1".utf8),
        "img/.hidden.png": [0x89],
    ])

    private var server: HTTPServer?
    private var base = ""

    override func setUpWithError() throws {
        let files = try StaticFiles(embedded: Self.site, errorFormat: .json)
        server = try startHTTPServer(handler: files)
        base = "http://127.0.0.1:\(server?.port ?? 0)"
    }

    override func tearDown() { server?.stop() }

    private func get(_ path: String, _ extra: [String] = []) throws -> CurlResult {
        try curl(extra + ["--path-as-is", base + path])
    }

    func testFilesAndIndexesAreServed() throws {
        XCTAssertEqual(try get("/").body, "<h1>home</h1>")
        XCTAssertEqual(try get("/index.html").headers["content-type"], "text/html; charset=utf-8")
        XCTAssertEqual(try get("/style.css").body, "body{}")
        XCTAssertEqual(try get("/docs/").body, "<h1>docs</h1>")
        XCTAssertEqual(try get("/docs/api/ref.txt").body, "ref")
        XCTAssertEqual(try get("/%64ocs/").body, "<h1>docs</h1>", "percent-decoded first")
    }

    func testADirectoryWithoutItsSlashIsRedirected() throws {
        let reply = try get("/docs?x=1")
        XCTAssertEqual(reply.status, 301)
        XCTAssertEqual(reply.headers["location"], "docs/?x=1")
    }

    func testWhatADirectoryWouldRefuseIsRefused() throws {
        for path in ["/.env", "/img/.hidden.png", "/%2eenv", "/../index.html", "/docs/../../index.html", "/nosuch",
                     "/index.html/", "/docs/api/", "/img/"] {
            XCTAssertEqual(try get(path).status, 404, path)
        }
        XCTAssertEqual(try get("/docs/../style.css").body, "body{}", "`..` inside the root still resolves")
        for path in ["/a%00b", "/a%5cb", "/%zz"] { XCTAssertEqual(try get(path).status, 400, path) }
        XCTAssertEqual(try curl(["-X", "POST", base + "/index.html"]).status, 405)
    }

    func testETagGives304() throws {
        let first = try get("/style.css")
        let etag = try XCTUnwrap(first.headers["etag"])
        XCTAssertEqual(try get("/style.css", ["-H", "If-None-Match: \(etag)"]).status, 304)
        XCTAssertNotEqual(etag, try get("/index.html").headers["etag"])
    }

    func testBase64IsDecodedStrictly() throws {
        XCTAssertEqual(Base64.decode("aGVsbG8="), Array("hello".utf8))
        XCTAssertEqual(Base64.decode("aGVsbG8"), Array("hello".utf8))
        XCTAssertEqual(Base64.decode(""), [])
        XCTAssertEqual(Base64.decode("/+8="), [0xff, 0xef])
        for bad in ["a", "aGVsbG8=x", "aGV!bG8=", "aGVsbG9="] { XCTAssertNil(Base64.decode(bad), bad) }
        let files = EmbeddedFiles(base64: ["ok.txt": "b2s=", "bad.txt": "@@"])
        XCTAssertEqual(files.undecodable, ["bad.txt"])
        XCTAssertThrowsError(try StaticFiles(embedded: files)) {
            XCTAssertEqual(($0 as? StaticFilesError)?.description, "embedded www file is not valid base64: bad.txt")
        }
    }
}
