import Dispatch
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The built `tetherd` run as a child process. Its stderr is read as it comes (the log lines),
/// its stdout at exit; it is killed when released, so a failing test leaves no daemon behind.
final class TetherdProcess {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "tetherd is not built at \(path); run `swift build` before the tests" }
    }

    static var executable: URL { TestPaths.productsDirectory.appendingPathComponent("tetherd") }

    let process = Process()
    private let stderrPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let exited = DispatchSemaphore(value: 0)
    private var stderrBytes: [UInt8] = []
    private var stderrClosed = false

    /// Starts `tetherd arguments`; throws `Missing` when the binary was not built.
    init(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        let executable = Self.executable
        guard FileManager.default.isExecutableFile(atPath: executable.path) else { throw Missing(path: executable.path) }
        process.executableURL = executable
        process.arguments = arguments
        if !extra.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        }
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        process.standardInput = FileHandle.nullDevice
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    deinit { kill() }

    var pid: Int32 { process.processIdentifier }

    /// SIGKILL if still running; safe to call more than once.
    func kill() {
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        _ = exited.wait(timeout: .now() + 5)
    }

    func send(_ signal: Int32) {
        _ = Glibc.kill(process.processIdentifier, signal)
    }

    /// The exit status once the process has exited by itself within `timeout`; nil when it is
    /// still running then or was ended by a signal (a crash).
    func waitForExit(timeout: Double) -> Int32? {
        guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        exited.signal()  // later calls see it too
        // The handler can run a moment before the status is set.
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(1_000) }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// Everything written to stderr so far (and, after exit, all of it).
    var stderr: String {
        drainStderr(timeout: 0)
        return String(decoding: stderrBytes, as: UTF8.self)
    }

    /// All of stdout; call after the process exited.
    var stdout: String {
        String(decoding: stdoutPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// After exit: stderr to its end.
    func stderrToEnd(timeout: Double = 5) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while !stderrClosed && Date() < deadline { drainStderr(timeout: deadline.timeIntervalSinceNow) }
        return String(decoding: stderrBytes, as: UTF8.self)
    }

    /// The first stderr line for which `match` gives a value, waiting up to `timeout`.
    func waitForStderrLine<T>(timeout: Double = 10, _ match: (String) -> T?) -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let lines = String(decoding: stderrBytes, as: UTF8.self).split(separator: "\n")
            for line in lines { if let value = match(String(line)) { return value } }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 || stderrClosed { return nil }
            drainStderr(timeout: remaining)
        }
    }

    /// The port from `<6>listening on http://HOST:PORT`.
    func waitForListeningPort(timeout: Double = 10) -> Int? {
        waitForStderrLine(timeout: timeout) { line in
            guard line.hasPrefix("<6>listening on http://"), let colon = line.lastIndex(of: ":") else { return nil }
            return Int(line[line.index(after: colon)...])
        }
    }

    /// Reads what stderr has, waiting up to `timeout` for the first bytes.
    private func drainStderr(timeout: Double) {
        let fd = stderrPipe.fileHandleForReading.fileDescriptor
        var wait = Int32(max(0, timeout * 1000))
        while !stderrClosed {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, wait)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 {
                stderrClosed = true
                return
            }
            stderrBytes.append(contentsOf: chunk[0..<got])
            wait = 0
        }
    }
}
