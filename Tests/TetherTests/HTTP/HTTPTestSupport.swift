import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import TetherHTTP

/// A temporary directory holding `www/` and, beside it (outside www), `secret.txt`
/// whose unique content must never reach a client.
final class TemporaryWWW {
    let base: URL
    let www: URL
    let secret: String

    init() throws {
        base = try TestPaths.temporaryDirectory()
        www = base.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: www, withIntermediateDirectories: true)
        secret = "TOP-SECRET-\(UUID().uuidString)"
        try Data(secret.utf8).write(to: base.appendingPathComponent("secret.txt"))
    }

    deinit { try? FileManager.default.removeItem(at: base) }

    var wwwPath: String { www.path }
    var secretPath: String { base.appendingPathComponent("secret.txt").path }

    /// Writes `contents` at `relativePath` under www, creating directories.
    @discardableResult
    func write(_ relativePath: String, _ contents: String) throws -> URL {
        try write(relativePath, bytes: Array(contents.utf8))
    }

    @discardableResult
    func write(_ relativePath: String, bytes: [UInt8]) throws -> URL {
        let url = www.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    func makeDirectory(_ relativePath: String) throws {
        try FileManager.default.createDirectory(at: www.appendingPathComponent(relativePath), withIntermediateDirectories: true)
    }

    /// A symlink at `relativePath` under www pointing at `destination` (relative or absolute).
    func symlink(_ relativePath: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: www.appendingPathComponent(relativePath).path,
                                                   withDestinationPath: destination)
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass: a deterministic wait for a state
/// the server reaches on its own thread (a connection unregistered), not a sleep.
func pollUntil(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() >= deadline { return false }
        usleep(2_000)
    }
    return true
}

/// Answers every request with `200` and `METHOD target bodyLength` as text.
let echoHandler = HandlerFunction { request in
    HTTPResponse(body: Array("\(request.method) \(request.target) \(request.body.count)".utf8))
}

/// A fresh client after whatever the test did is still served: curl GET gives 200.
func assertServesNextClient(_ server: HTTPServer, path: String = "/", file: StaticString = #filePath, line: UInt = #line) {
    do {
        let result = try curl(["http://127.0.0.1:\(server.port)\(path)"])
        XCTAssertEqual(result.exitCode, 0, "curl failed: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.status, 200, "the next client was not served", file: file, line: line)
    } catch {
        XCTFail("curl: \(error)", file: file, line: line)
    }
}

extension RawConnection {
    /// Every byte the peer sends until it closes; nil when it is still open after `timeout`.
    func receiveUntilClosed(timeout: Double) -> [UInt8]? {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, remaining * 1000)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
            if got < 0 && errno == EINTR { continue }
            // A reset after the response is also the server closing.
            if got <= 0 { return received }
            received.append(contentsOf: chunk[0..<got])
        }
    }

    /// Whether the peer sends something or closes within `timeout` seconds (0: without waiting).
    func becomesReadable(within timeout: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, Int32(timeout * 1000)) > 0
    }
}

extension RawConnection.Response {
    /// The error code of Tether's JSON error body, `{"error":{"code":"…"}}`.
    var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let error = object["error"] as? [String: Any] else { return nil }
        return error["code"] as? String
    }
}
