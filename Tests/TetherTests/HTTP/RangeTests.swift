import XCTest
@testable import TetherHTTP
import TetherBridge

/// `Range` on static files (RFC 9110 §14): one range gives 206 with `Content-Range`, a range
/// past the end 416 with `bytes */len`, several ranges the whole file (200).
final class RangeTests: XCTestCase {
    func testParsing() {
        XCTAssertEqual(ByteRange.parse("bytes=0-9", size: 100), .range(first: 0, last: 9))
        XCTAssertEqual(ByteRange.parse("bytes=90-", size: 100), .range(first: 90, last: 99))
        XCTAssertEqual(ByteRange.parse("bytes=90-500", size: 100), .range(first: 90, last: 99))
        XCTAssertEqual(ByteRange.parse("bytes=-10", size: 100), .range(first: 90, last: 99))
        XCTAssertEqual(ByteRange.parse("bytes=-500", size: 100), .range(first: 0, last: 99))
        XCTAssertEqual(ByteRange.parse("BYTES= 5-5 ", size: 100), .range(first: 5, last: 5))
        XCTAssertEqual(ByteRange.parse("bytes=0-99999999999999999999999", size: 100), .range(first: 0, last: 99))
        XCTAssertEqual(ByteRange.parse("bytes=100-", size: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=99999999999999999999999-", size: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=-0", size: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=0-", size: 0), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=-5", size: 0), .unsatisfiable)
        for ignored in ["bytes=0-1,5-6", "bytes=5-2", "items=0-1", "bytes=", "bytes=-", "bytes=a-b", "bytes=1", "bytes=+1-2", "0-1"] {
            XCTAssertEqual(ByteRange.parse(ignored, size: 100), .whole, ignored)
        }
    }

    func testRangesOverRealSockets() throws {
        let site = try TemporaryWWW()
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        try site.write("video.bin", bytes: bytes)
        let server = try startHTTPServer(handler: StaticFiles(root: site.wwwPath, errorFormat: .json, log: .silent))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)

        let whole = try XCTUnwrap(connection.request("GET", "/video.bin"))
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.headers["accept-ranges"], "bytes")
        let etag = try XCTUnwrap(whole.headers["etag"])

        let middle = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=100-199"]))
        XCTAssertEqual(middle.status, 206)
        XCTAssertEqual(middle.headers["content-range"], "bytes 100-199/1000")
        XCTAssertEqual(middle.headers["etag"], etag)
        XCTAssertEqual(middle.body, Array(bytes[100...199]))

        let tail = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=-24"]))
        XCTAssertEqual(tail.status, 206)
        XCTAssertEqual(tail.headers["content-range"], "bytes 976-999/1000")
        XCTAssertEqual(tail.body, Array(bytes[976...]))

        let open = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=990-"]))
        XCTAssertEqual(open.body, Array(bytes[990...]))

        let past = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=1000-"]))
        XCTAssertEqual(past.status, 416)
        XCTAssertEqual(past.headers["content-range"], "bytes */1000")
        XCTAssertTrue(past.text.contains("range_not_satisfiable"), past.text)

        let several = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=0-1,5-6"]))
        XCTAssertEqual(several.status, 200, "several ranges: the whole file")
        XCTAssertEqual(several.body, bytes)

        let head = try XCTUnwrap(connection.request("HEAD", "/video.bin", headers: ["Range": "bytes=0-9"]))
        XCTAssertEqual(head.status, 200, "HEAD ignores Range")
        XCTAssertEqual(head.headers["content-length"], "1000")

        let matching = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=0-9", "If-Range": etag]))
        XCTAssertEqual(matching.status, 206)
        XCTAssertEqual(matching.body, Array(bytes[0...9]))
        let stale = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=0-9", "If-Range": "\"old\""]))
        XCTAssertEqual(stale.status, 200, "If-Range with another validator: the whole file")
        XCTAssertEqual(stale.body, bytes)

        let notModified = try XCTUnwrap(connection.request("GET", "/video.bin", headers: ["Range": "bytes=0-9", "If-None-Match": etag]))
        XCTAssertEqual(notModified.status, 304, "If-None-Match is evaluated before Range")
        XCTAssertEqual(try XCTUnwrap(connection.request("GET", "/video.bin")).body, bytes, "the connection is still in step")
    }

    func testCurlResumesADownloadWithRange() throws {
        let site = try TemporaryWWW()
        try site.write("a.txt", "0123456789")
        let server = try startHTTPServer(handler: StaticFiles(root: site.wwwPath, errorFormat: .json, log: .silent))
        defer { server.stop() }
        let result = try curl(["-r", "3-5", "http://127.0.0.1:\(server.port)/a.txt"])
        XCTAssertEqual(result.status, 206)
        XCTAssertEqual(result.body, "345")
        XCTAssertEqual(result.headers["content-range"], "bytes 3-5/10")
    }

    func testFileBodyIsARegionOfAnOpenDescriptorNotItsBytes() throws {
        let site = try TemporaryWWW()
        try site.write("big.bin", bytes: [UInt8](repeating: 7, count: 1 << 20))
        let files = try StaticFiles(root: site.wwwPath, errorFormat: .json, log: .silent)
        let response = files.respond(to: HTTPRequest(method: "GET", target: "/big.bin", headers: ["Range": "bytes=10-"]))
        XCTAssertEqual(response.body.count, 0, "nothing read into memory")
        let region = try XCTUnwrap(response.file)
        XCTAssertEqual(region.offset, 10)
        XCTAssertEqual(region.length, (1 << 20) - 10)
        XCTAssertEqual(response.contentLength, (1 << 20) - 10)
    }
}
