import Foundation
import XCTest
@testable import TetherHTTP
import TetherBridge

/// Static bodies stream from the file as the client takes them: memory stays bounded per
/// connection however large the file and however slow the reader.
final class StreamingMemoryTests: XCTestCase {
    func testTenUnreadResponsesOfA200MiBFileTakeUnder64MB() throws {
        let site = try TemporaryWWW()
        let url = try site.write("big.bin", "")
        // Sparse: 200 MiB that cost no disk, and reading them costs no page cache either.
        XCTAssertEqual(truncate(url.path, 200 << 20), 0)
        let server = try startHTTPServer(handler: StaticFiles(root: site.wwwPath, errorFormat: .json))
        defer { server.stop() }
        XCTAssertEqual(try curl(["-I", "http://127.0.0.1:\(server.port)/big.bin"]).status, 200)
        let before = ProcessFigures.residentBytes()

        var readers: [RawConnection] = []
        for _ in 0..<10 {
            let reader = try RawConnection(port: server.port)
            reader.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
            readers.append(reader)
        }
        // Each response fills its socket buffers and waits in epoll for the reader.
        XCTAssertTrue(pollUntil { readers.allSatisfy { $0.becomesReadable(within: 0) } }, "no response began")
        usleep(500_000)
        let grown = ProcessFigures.residentBytes() - before
        XCTAssertLessThan(grown, 64 << 20, "10 unread 200 MiB responses took \(grown >> 20) MiB")

        // And the bytes are right: one reader takes its whole response.
        let first = try XCTUnwrap(readers.first)
        let response = try XCTUnwrap(first.readResponse(timeout: 60))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-length"], String(200 << 20))
        XCTAssertEqual(response.body.count, 200 << 20)
        XCTAssertEqual(response.body.first, 0)
        XCTAssertEqual(response.body.last, 0)
    }
}
