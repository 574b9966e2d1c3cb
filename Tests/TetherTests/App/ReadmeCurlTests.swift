import Foundation
import XCTest

/// The README's curl block, pasted into bash against a running server, prints what it says.
final class ReadmeCurlTests: XCTestCase {
    func testReadmeCurlLinesWorkAsDocumented() throws {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try XCTUnwrap(readme.range(of: "<!-- curl-session -->\n```sh\n"))
        let end = try XCTUnwrap(readme.range(of: "\n```", range: marker.upperBound..<readme.endIndex))
        let block = String(readme[marker.upperBound..<end.lowerBound])
        let expected = block.split(separator: "\n").filter { $0.hasPrefix("# {") || $0.hasPrefix("# 2") }.map { String($0.dropFirst(2)) }
        XCTAssertGreaterThanOrEqual(expected.count, 6)

        let server = try startDemoServer()
        defer { server.stop() }
        let script = block.replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(server.port)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(output.split(separator: "\n").map(String.init), expected)
    }
}
