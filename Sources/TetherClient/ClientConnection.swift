#if canImport(Glibc)
import Glibc
#endif

/// A keep-alive HTTP/1.1 client on one socket to 127.0.0.1, the way a browser's connection
/// behaves on the wire: `TCP_NODELAY`, each request in one write, responses framed by
/// `Content-Length`. The receive buffer is reused, so an exchange allocates nothing.
/// Not thread-safe: one thread uses a connection at a time (another may only `shutdown` it).
package final class ClientConnection {
    package struct Failure: Error, CustomStringConvertible { package let description: String }

    package let fd: Int32
    package let port: Int
    private var storage: UnsafeMutableRawBufferPointer
    /// Unconsumed bytes are `storage[start..<end]`.
    private var start = 0
    private var end = 0
    /// Where the last complete response ended: consumed when the next one is read.
    private var consumeTo = 0
    package private(set) var status = 0
    private var head: Range<Int> = 0..<0
    private var body: Range<Int> = 0..<0
    /// Set when the server said `Connection: close`.
    package private(set) var serverWillClose = false

    static let maxResponseBytes = 8 * 1024 * 1024

    /// Connects to `127.0.0.1:port`; a blocking receive gives up after `receiveTimeout` seconds.
    package init(port: Int, receiveTimeout: Double = 30) throws(Failure) {
        guard (1...65535).contains(port) else { throw Failure(description: "bad port \(port)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)  // 127.0.0.1, nothing else
        var result: Int32 = -1
        for _ in 0..<100 {
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result == 0 || errno != EINTR { break }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(code)")
        }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sendTimeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
        self.port = port
        storage = .allocate(byteCount: 16 * 1024, alignment: 16)
    }

    deinit {
        close(fd)
        storage.deallocate()
    }

    /// Wakes a thread blocked on this connection (it sees the end of the stream).
    package func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    // MARK: Sending

    /// Sends the whole request; false when the server is gone.
    package func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            for _ in 0..<10_000 where offset < raw.count {
                let sent = Glibc.send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += sent
            }
            return offset == raw.count
        }
    }

    /// One request and its response; false on any failure (closed, timed out, malformed).
    package func exchange(_ request: [UInt8], deadline: Int64) -> Bool {
        send(request) && readResponse(deadline: deadline)
    }

    // MARK: Receiving

    /// Blocks until a whole response has arrived, the connection ends or `deadline` passes.
    package func readResponse(deadline: Int64) -> Bool {
        for _ in 0..<1_000_000 {
            switch takeResponse() {
            case .complete: return true
            case .malformed: return false
            case .incomplete: break
            }
            if Self.nanos() > deadline { return false }
            switch receive() {
            case .bytes: continue
            case .wouldBlock: continue  // SO_RCVTIMEO passed: the deadline decides
            case .closed: return false
            }
        }
        return false
    }

    package enum Received { case bytes, wouldBlock, closed }

    /// One `recv` into the buffer (blocks up to the receive timeout unless data is waiting).
    package func receive() -> Received {
        if consumeTo > start { start = min(consumeTo, end) }
        if start == end {
            start = 0
            end = 0
            consumeTo = 0
        }
        if end == storage.count {
            guard makeRoom() else { return .closed }
        }
        guard let base = storage.baseAddress else { return .closed }
        let got = recv(fd, base + end, storage.count - end, 0)
        if got > 0 {
            end += got
            return .bytes
        }
        if got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) { return .wouldBlock }
        return .closed
    }

    package enum Parse { case complete, incomplete, malformed }

    /// Takes one complete response from the buffer, if there is one.
    package func takeResponse() -> Parse {
        if consumeTo > start { start = min(consumeTo, end) }
        let bytes = UnsafeRawBufferPointer(rebasing: storage[start..<end])
        guard let headEnd = Self.find(bytes, [13, 10, 13, 10]) else {
            return end - start > 64 * 1024 ? .malformed : .incomplete
        }
        // "HTTP/1.1 200 OK"
        guard headEnd >= 12, bytes[0] == UInt8(ascii: "H"), bytes[8] == 32 else { return .malformed }
        var code = 0
        for index in 9..<12 {
            let digit = bytes[index]
            guard digit >= 48, digit <= 57 else { return .malformed }
            code = code * 10 + Int(digit - 48)
        }
        let length: Int
        if code == 204 || code == 304 {
            length = 0
        } else {
            guard let declared = Self.contentLength(UnsafeRawBufferPointer(rebasing: bytes[0..<headEnd])) else { return .malformed }
            length = declared
        }
        guard length <= Self.maxResponseBytes else { return .malformed }
        let bodyStart = headEnd + 4
        guard bytes.count - bodyStart >= length else {
            // Make the buffer big enough for this response before the next receive.
            if start + bodyStart + length > storage.count { _ = makeRoom(atLeast: bodyStart + length) }
            return .incomplete
        }
        status = code
        head = start..<(start + headEnd)
        body = (start + bodyStart)..<(start + bodyStart + length)
        serverWillClose = Self.saysClose(UnsafeRawBufferPointer(rebasing: bytes[0..<headEnd]))
        consumeTo = start + bodyStart + length
        return .complete
    }

    /// Moves the unconsumed bytes to the front, growing the buffer when it is full of them.
    @discardableResult
    private func makeRoom(atLeast wanted: Int = 0) -> Bool {
        if consumeTo > start { start = min(consumeTo, end) }
        let pending = end - start
        let needed = max(wanted, pending + 4096)
        if needed > Self.maxResponseBytes + 64 * 1024 { return false }
        if needed <= storage.count {
            if start > 0, let base = storage.baseAddress {
                memmove(base, base + start, pending)
                consumeTo -= start
                end = pending
                start = 0
            }
            return true
        }
        var capacity = storage.count
        while capacity < needed { capacity *= 2 }
        let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        if let from = storage.baseAddress, let to = grown.baseAddress { memcpy(to, from + start, pending) }
        storage.deallocate()
        storage = grown
        consumeTo -= start
        end = pending
        start = 0
        return true
    }

    // MARK: The last response

    /// Calls `body` with the last response's body bytes (valid until the next read).
    package func withBody<Result>(_ read: (UnsafeRawBufferPointer) -> Result) -> Result {
        read(UnsafeRawBufferPointer(rebasing: storage[body]))
    }

    package var bodyBytes: [UInt8] { withBody { Array($0) } }

    /// Whether bytes beyond the last complete response have arrived: after a failed exchange,
    /// false means the server sent nothing at all.
    package var hasUnreadBytes: Bool { end > max(start, consumeTo) }

    /// Whether the body begins with `prefix` (an inline reply: `{"value":null,"commands":…}`).
    package func bodyStarts(with prefix: [UInt8]) -> Bool {
        withBody { $0.starts(with: prefix) }
    }

    package func bodyEquals(_ expected: [UInt8]) -> Bool {
        withBody { $0.elementsEqual(expected) }
    }

    /// A header of the last response, by case-insensitive name.
    package func header(_ name: String) -> String? {
        let lowercased = name.lowercased()
        return headerFields.first { $0.name.lowercased() == lowercased }?.value
    }

    /// Every header line of the last response, in order. Split as bytes: splitting the text
    /// on "\r\n" compares grapheme clusters, and cost a poll about 20 µs.
    package var headerFields: [(name: String, value: String)] {
        let bytes = UnsafeRawBufferPointer(rebasing: storage[head])
        var fields: [(name: String, value: String)] = []
        var lineStart = 0
        var index = 0
        var isStatusLine = true
        while index <= bytes.count {
            let atEnd = index == bytes.count
            if atEnd || (bytes[index] == 10 && index > lineStart) {
                let lineEnd = !atEnd && index > 0 && bytes[index - 1] == 13 ? index - 1 : index
                defer { lineStart = index + 1 }
                if isStatusLine {
                    isStatusLine = false
                } else if let field = Self.field(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])) {
                    fields.append(field)
                }
            }
            index += 1
        }
        return fields
    }

    /// `Name: value` (the value without its leading blanks); nil for a line with no colon.
    private static func field(_ line: UnsafeRawBufferPointer) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        var valueStart = colon + 1
        while valueStart < line.count, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
        return (String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart...]), as: UTF8.self))
    }

    /// Monotonic nanoseconds, the clock of `deadline`s.
    package static func nanos() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    // MARK: Parsing helpers

    static func find(_ bytes: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == needle[0] {
                var matched = true
                for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    /// The `Content-Length` value of a response head; nil when absent or not a number.
    static func contentLength(_ head: UnsafeRawBufferPointer) -> Int? {
        guard let value = headerValue(head, lowercasedName: Array("content-length".utf8)) else { return nil }
        var length = 0
        var digits = 0
        for byte in value where byte != 32 {
            guard byte >= 48, byte <= 57, digits < 12 else { return nil }
            length = length * 10 + Int(byte - 48)
            digits += 1
        }
        return digits > 0 ? length : nil
    }

    static func saysClose(_ head: UnsafeRawBufferPointer) -> Bool {
        guard let value = headerValue(head, lowercasedName: Array("connection".utf8)) else { return false }
        return value.count >= 5 && value.prefix(5).map { $0 | 0x20 } == Array("close".utf8)
    }

    /// The bytes of a header's value after `name:` and spaces, up to the line's end.
    private static func headerValue(_ head: UnsafeRawBufferPointer, lowercasedName name: [UInt8]) -> ArraySlice<UInt8>? {
        var lineStart = 0
        while lineStart < head.count {
            var lineEnd = lineStart
            while lineEnd < head.count && head[lineEnd] != 13 { lineEnd += 1 }
            if lineEnd - lineStart > name.count, head[lineStart + name.count] == UInt8(ascii: ":") {
                var same = true
                for index in 0..<name.count where head[lineStart + index] | 0x20 != name[index] {
                    same = false
                    break
                }
                if same {
                    var valueStart = lineStart + name.count + 1
                    while valueStart < lineEnd && head[valueStart] == 32 { valueStart += 1 }
                    return ArraySlice(UnsafeRawBufferPointer(rebasing: head[valueStart..<lineEnd]))
                }
            }
            lineStart = lineEnd + 2
        }
        return nil
    }
}
