import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import Tether

/// HTTPolice (an HTTP linter from PyPI) reads raw request and response streams recorded from
/// a real server, over a varied set of exchanges, and finds no error and no comment except
/// 1277 (the `X-` prefix of `X-Tether-Session`, kept for compatibility).
final class HTTPoliceTests: XCTestCase {
    static let allowedNotices: Set<String> = ["1277"]

    func testRecordedExchangesPassHTTPolice() throws {
        let httpolice = try Self.requireHTTPolice()
        let site = try TemporaryWWW()
        for file in ["index.html", "style.css"] {
            try FileManager.default.copyItem(atPath: TestPaths.www + "/" + file, toPath: site.wwwPath + "/" + file)
        }
        try site.write("clip.bin", bytes: (0..<4096).map { UInt8($0 % 256) })
        let server = try startDemoServer { $0.www = site.wwwPath }
        defer { server.stop() }
        let recorder = ExchangeRecorder(port: server.port, directory: try TestPaths.temporaryDirectory())
        defer { try? FileManager.default.removeItem(at: recorder.directory) }

        let page = try recorder.exchange("page", "GET", "/", accept: "text/html,application/xhtml+xml,*/*;q=0.8")
        let session = try XCTUnwrap(page.header("X-Tether-Session"), page.text)
        let css = try recorder.exchange("css", "GET", "/style.css", accept: "text/css,*/*;q=0.1")
        let etag = try XCTUnwrap(css.header("ETag"))
        let statuses = [
            page.status, css.status,
            try recorder.exchange("304", "GET", "/style.css", accept: "text/css,*/*;q=0.1", headers: ["If-None-Match": etag]).status,
            try recorder.exchange("head", "HEAD", "/style.css", accept: "text/css,*/*;q=0.1").status,
            try recorder.exchange("404-html", "GET", "/missing.html", accept: "text/html,application/xhtml+xml,*/*;q=0.8").status,
            try recorder.exchange("404-json", "GET", "/missing.json", accept: "application/json").status,
            try recorder.exchange("405", "DELETE", "/style.css", accept: "*/*").status,
            try recorder.post("call", session: session, #"{"session":"\#(session)","task":"call","function":"getresult","args":[1,2]}"#),
            try recorder.post("next", session: session, #"{"session":"\#(session)","task":"next","ack":0}"#),
            try recorder.post("call-404", session: session, #"{"session":"\#(session)","task":"call","function":"deinit","args":[]}"#),
            try recorder.post("call-400", session: session, #"{"session":"\#(session)","task":"teleport"}"#),
            try recorder.post("call-410", session: "0", #"{"session":"0","task":"next","ack":0}"#),
            try recorder.exchange("health", "GET", "/_health", accept: "application/json").status,
            try recorder.exchange("206", "GET", "/clip.bin", accept: "*/*", headers: ["Range": "bytes=100-199"]).status,
            try recorder.exchange("416", "GET", "/clip.bin", accept: "*/*", headers: ["Range": "bytes=5000-"]).status,
            try recorder.post("unload", session: session, #"{"session":"\#(session)","task":"unload"}"#),
        ]
        XCTAssertEqual(statuses, [200, 200, 304, 200, 404, 404, 405, 200, 200, 404, 400, 410, 200, 206, 416, 204])

        let report = try Self.run(httpolice, ["-i", "streams"] + recorder.paths)
        let notices = report.split(separator: "\n").compactMap { line -> (severity: String, id: String)? in
            let parts = line.split(separator: " ")
            guard parts.count >= 2, ["E", "C", "D"].contains(parts[0]), parts[1].allSatisfy(\.isNumber) else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
        let offending = notices.filter { $0.severity != "D" && !Self.allowedNotices.contains($0.id) }
        XCTAssertTrue(offending.isEmpty, "HTTPolice:\n\(report)")
        XCTAssertTrue(notices.contains { $0.id == "1277" }, "the X- prefix comment is seen, so the report was read:\n\(report)")
    }

    /// The httpolice executable: `$TETHER_HTTPOLICE`, `.build/httpolice/bin` (where .ci/run
    /// installs it), or PATH. Missing: skipped with the reason, or a failure when CI=true.
    static func requireHTTPolice() throws -> String {
        var candidates = [ProcessInfo.processInfo.environment["TETHER_HTTPOLICE"] ?? "",
                          TestPaths.packageRoot.appendingPathComponent(".build/httpolice/bin/httpolice").path]
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(directory + "/httpolice")
        }
        if let found = candidates.first(where: { !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        try missingTool("httpolice is not installed (pip install httpolice \"bitstring<4\"); the conformance test needs it",
                        skipping: "conformance test")
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }
}

/// Sends one request per connection and keeps the exact bytes each way, as `name.req` and
/// `name.resp`: the pairs HTTPolice's `-i streams` reads.
final class ExchangeRecorder {
    let port: Int
    let directory: URL
    private(set) var paths: [String] = []

    init(port: Int, directory: URL) {
        self.port = port
        self.directory = directory
    }

    struct Recorded {
        let status: Int
        let head: String
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }

        func header(_ name: String) -> String? {
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { continue }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
    }

    func post(_ name: String, session: String, _ json: String) throws -> Int {
        try exchange(name, "POST", "/_process_srv0", accept: "*/*", headers: [
            "Content-Type": "application/json", "Origin": "http://127.0.0.1:\(port)", "X-Tether-Session": session,
        ], body: json).status
    }

    func exchange(_ name: String, _ method: String, _ target: String, accept: String,
                  headers: [String: String] = [:], body: String = "") throws -> Recorded {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0\r\nAccept: \(accept)\r\n"
        for (field, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(field): \(value)\r\n" }
        if method == "POST" || !body.isEmpty { request += "Content-Length: \(body.utf8.count)\r\n" }
        request += "Connection: close\r\n\r\n" + body
        let connection = try RawConnection(port: port)
        guard connection.send(request), let response = connection.receiveUntilClosed(timeout: 10) else {
            throw RawConnection.Failure(description: "\(name): no response")
        }
        let requestURL = directory.appendingPathComponent("\(paths.count / 2)-\(name).req")
        let responseURL = directory.appendingPathComponent("\(paths.count / 2)-\(name).resp")
        try Data(request.utf8).write(to: requestURL)
        try Data(response).write(to: responseURL)
        paths += [requestURL.path, responseURL.path]
        let headEnd = (0..<max(0, response.count - 3)).first {
            response[$0] == 13 && response[$0 + 1] == 10 && response[$0 + 2] == 13 && response[$0 + 3] == 10
        } ?? response.count
        let head = String(decoding: response[..<headEnd], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return Recorded(status: status, head: head, body: Array(response[min(response.count, headEnd + 4)...]))
    }
}
