import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import TetherHTTP
import TetherBridge

/// A process out of descriptors answers 503 and says so in one log line, never 404.
final class OutOfDescriptorsTests: XCTestCase {
    func testEMFILEGives503AndOneClearLogLine() throws {
        let site = try TemporaryWWW()
        try site.write("a.css", "body{}")
        let lines = LockedLines()
        let files = try StaticFiles(root: site.wwwPath, errorFormat: .json, log: Log(sink: lines.append))
        let request = HTTPRequest(method: "GET", target: "/a.css")
        XCTAssertEqual(files.respond(to: request).status, .ok)

        var responses: [HTTPResponse] = []
        try withDescriptorTableFull {
            for _ in 0..<3 { responses.append(files.respond(to: request)) }
        }
        for response in responses {
            XCTAssertEqual(response.status, .serviceUnavailable)
            XCTAssertEqual(response.errorCode, "out_of_descriptors")
            XCTAssertTrue(response.text.contains("Too many open files"), response.text)
        }
        XCTAssertEqual(lines.all.count, 1, "one line for the burst: \(lines.all)")
        XCTAssertTrue(lines.all.first?.hasPrefix("<3>cannot open files: open: Too many open files") == true, "\(lines.all)")
        XCTAssertEqual(files.respond(to: request).status, .ok, "serves again once descriptors are free")
    }

    /// Lowers the soft descriptor limit to just above what is open, fills it, runs `body`, restores all.
    private func withDescriptorTableFull(_ body: () throws -> Void) throws {
        var saved = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved), 0)
        var filler: [Int32] = []
        defer {
            for fd in filler { close(fd) }
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
        }
        let highest = (0..<Int32(4096)).last { fcntl($0, F_GETFD) != -1 } ?? 2
        var lowered = saved
        lowered.rlim_cur = rlim_t(highest + 16)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered), 0)
        while true {
            let fd = dup(0)
            if fd < 0 { break }
            filler.append(fd)
        }
        XCTAssertEqual(errno, EMFILE)
        try body()
    }
}
