import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client for what curl cannot send: malformed lines, floods, slow or vanishing
/// clients; and a keep-alive HTTP client for the fake browser.
final class RawConnection {
    let fd: Int32
    /// What `request` sends as `Host`: the address and port connected to.
    let hostHeader: String

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(port: Int, host: String = "127.0.0.1") throws {
        hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw Failure(description: "resolve \(host)") }
        defer { freeaddrinfo(list) }
        fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket") }
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            close(fd)
            throw Failure(description: "connect to \(host):\(port): errno \(errno)")
        }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    private var buffer: [UInt8] = []

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Reads more bytes; false on EOF, error or timeout.
    private func fill(timeout: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 65536, 0) }
        guard got > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<got])
        return true
    }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Reads one response (Content-Length framed); nil on timeout or a closed connection.
    func readResponse(timeout: Double = 5, isHead: Bool = false) -> Response? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = findHeadEnd() {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                let lines = head.components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                let status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = isHead || status == 304 || status == 204 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
                while buffer.count < end + 4 + length {
                    if !fill(timeout: deadline.timeIntervalSinceNow) { return nil }
                }
                let body = Array(buffer[(end + 4)..<(end + 4 + length)])
                buffer.removeFirst(end + 4 + length)
                return Response(status: status, headers: headers, body: body)
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 || !fill(timeout: remaining) { return nil }
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// True when the server closes the connection within `timeout` (reads and drops any data).
    func waitForClose(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { return false }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 65536, 0) }
            if got <= 0 { return true }
        }
        return false
    }

    /// A keep-alive HTTP request: `post("/_process_srv0", json: "{…}")`.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "", timeout: Double = 30) -> Response? {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + body
        guard send(text) else { return nil }
        return readResponse(timeout: timeout, isHead: method == "HEAD")
    }

    func post(_ path: String, json: String, timeout: Double = 30) -> Response? {
        request("POST", path, headers: ["Content-Type": "application/json"], body: json, timeout: timeout)
    }
}
