import Foundation
import XCTest

/// A JavaScript value is read only with `page.eval`: any other read must not compile. These
/// tests type-check small snippets against the built modules with the toolchain's swiftc.
final class JSReadsDoNotCompileTests: XCTestCase {
    static let readDiagnostic = "is unavailable: a JavaScript value is read with page.eval"

    func testWritesTypeCheck() throws {
        // The control: the same setup and every write form compile, so a failure below is the read.
        let result = try typeCheck(Self.preamble + """
            js.factor = 2.3
            js.factor = factor
            js.reading = reading
            js.arr[0] = factor
            js.obj["k"] = reading
            js.dom.description.x = 1
            let shown: String = String(describing: js.dom.count)
            let called = try js.show(reading, 1)
            _ = (shown, called)
            """)
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testReadingIntoASwiftValueDoesNotCompile() throws {
        let result = try typeCheck(Self.preamble + """
            let a: Double = js.factor
            let b: Int = js.arr[0]
            let c: String = js.obj["key"]
            let d: Reading = js.reading
            _ = (a, b, c, d)
            """)
        XCTAssertNotEqual(result.status, 0)
        // One error per read line (lines 4 to 7 of the snippet), each saying to use page.eval.
        let errorLines = result.output.split(separator: "\n")
            .filter { $0.contains("snippet.swift:") && $0.contains(": error: ") }
        XCTAssertEqual(errorLines.count, 4, result.output)
        for (line, number) in zip(errorLines, 4...) {
            XCTAssertTrue(line.contains("snippet.swift:\(number):"), String(line))
            XCTAssertTrue(line.contains(Self.readDiagnostic), String(line))
        }
    }

    static let preamble = """
        import Tether
        struct Reading: Encodable, Sendable { var celsius: Double }
        func snippet(js: JS, factor: Double, reading: Reading) throws {

        """

    private func typeCheck(_ body: String) throws -> (status: Int32, output: String) {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("snippet.swift")
        try (body + "\n}\n").write(to: source, atomically: true, encoding: .utf8)
        let modules = TestPaths.productsDirectory.appendingPathComponent("Modules")
        guard FileManager.default.fileExists(atPath: modules.appendingPathComponent("Tether.swiftmodule").path) else {
            throw XCTSkip("no built modules at \(modules.path)")
        }
        let process = Process()
        process.executableURL = try Self.swiftc()
        process.arguments = ["-typecheck", "-swift-version", "6", "-I", modules.path, source.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// The swiftc of the toolchain that built the tests: beside `swift` on PATH, or /opt/swift.
    static func swiftc() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var candidates = path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("swiftc") }
        candidates.append(URL(fileURLWithPath: "/opt/swift/usr/bin/swiftc"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("no swiftc found on PATH or at /opt/swift/usr/bin")
        }
        return found
    }
}
