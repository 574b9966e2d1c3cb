import Foundation
import XCTest

/// Type-checks Swift source against the built modules with the toolchain's swiftc, as an app
/// author's package would compile it.
enum SwiftTypeCheck {
    struct Result {
        let status: Int32
        let output: String

        /// The error lines swiftc printed for the checked file (`snippet.swift:4:17: error: …`).
        var errorLines: [Substring] {
            output.split(separator: "\n").filter { $0.contains("snippet.swift:") && $0.contains(": error: ") }
        }
    }

    static func run(_ source: String) throws -> Result {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("snippet.swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        return try swiftc(["-typecheck", file.path])
    }

    /// The toolchain's swiftc in Swift 6 mode with `arguments`; modules are looked up in the
    /// folders `arguments` name with `-I` first, then among the built ones.
    static func swiftc(_ arguments: [String]) throws -> Result {
        let modules = TestPaths.productsDirectory.appendingPathComponent("Modules")
        guard FileManager.default.fileExists(atPath: modules.appendingPathComponent("Tether.swiftmodule").path) else {
            throw XCTSkip("no built modules at \(modules.path)")
        }
        let process = Process()
        process.executableURL = try swiftc()
        // TetherHTTP imports the CEpoll system module (epoll, sendfile); SwiftPM passes its
        // folder to every dependent, and so must this.
        let cEpoll = TestPaths.packageRoot.appendingPathComponent("Sources/CEpoll")
        process.arguments = ["-swift-version", "6"] + arguments + ["-I", modules.path, "-I", cEpoll.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: output)
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
