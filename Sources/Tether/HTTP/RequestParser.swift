/// Finds and parses a request head in a growing buffer, enforcing the size limits as bytes
/// arrive, so an oversized line or header block is refused without waiting for its end.
public struct RequestParser: Sendable {
    public struct Head: Sendable, Equatable {
        public var method: String
        public var target: String
        public var version: String
        public var fields: [HeaderField]
        public var contentLength: Int
        /// Bytes of the buffer the head took, the blank line included.
        public var length: Int
    }

    public struct HeaderField: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    private let maxRequestLine: Int
    private let maxHeaderBytes: Int
    private let maxHeaderCount: Int
    private let maxBody: Int
    /// Where the search for the blank line resumes, so a byte-at-a-time client costs linear time.
    private var searchedUpTo = 0
    private var requestLineEnd: Int?

    public init(configuration: HTTPConfiguration) {
        maxRequestLine = configuration.maxRequestLineBytes
        maxHeaderBytes = configuration.maxHeaderBytes
        maxHeaderCount = configuration.maxHeaderCount
        maxBody = configuration.maxBodyBytes
    }

    /// Call after the start of a new request; the buffer's prefix was consumed.
    public mutating func reset() {
        searchedUpTo = 0
        requestLineEnd = nil
    }

    /// The head, once the buffer holds all of it; nil while more bytes are needed.
    public mutating func parse(_ buffer: [UInt8]) throws(RequestParseError) -> Head? {
        // RFC 9112 2.2: ignore empty lines before the request line.
        var start = 0
        while start + 1 < buffer.count, buffer[start] == 13, buffer[start + 1] == 10 { start += 2 }

        guard let lineEnd = requestLineEnd ?? Self.find(crlf: buffer, from: max(start, searchedUpTo - 1)) else {
            // A trailing CR may begin the line's CRLF: it does not count, or a read that ends
            // between CR and LF would refuse a line of exactly the limit.
            let pending = buffer.count - start - Self.partialTerminator(buffer, upTo: 1)
            if pending > maxRequestLine { throw .requestLineTooLong(limit: maxRequestLine) }
            searchedUpTo = buffer.count
            return nil
        }
        if lineEnd - start > maxRequestLine { throw .requestLineTooLong(limit: maxRequestLine) }
        if requestLineEnd == nil {
            requestLineEnd = lineEnd
            searchedUpTo = lineEnd
        }

        guard let headEnd = Self.findBlankLine(buffer, from: max(lineEnd, searchedUpTo - 3)) else {
            let pending = buffer.count - lineEnd - Self.partialTerminator(buffer, upTo: 3)
            if pending > maxHeaderBytes { throw .headersTooLarge(limit: maxHeaderBytes) }
            searchedUpTo = buffer.count
            return nil
        }
        if headEnd - lineEnd > maxHeaderBytes { throw .headersTooLarge(limit: maxHeaderBytes) }

        var head = try parseRequestLine(buffer[start..<lineEnd])
        // Header lines lie between the request line's CRLF and the blank line.
        head.fields = try parseFields(buffer, from: lineEnd + 2, to: headEnd + 2)
        head.length = headEnd + 4
        try validate(&head)
        return head
    }

    private static func find(crlf buffer: [UInt8], from: Int) -> Int? {
        var i = max(from, 0)
        while i + 1 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// How many of the last bytes (at most `limit`) are a start of `\r\n\r\n`, so may be its beginning.
    private static func partialTerminator(_ buffer: [UInt8], upTo limit: Int) -> Int {
        let terminator: [UInt8] = [13, 10, 13, 10]
        for n in stride(from: min(limit, buffer.count), to: 0, by: -1)
        where buffer.suffix(n).elementsEqual(terminator.prefix(n)) {
            return n
        }
        return 0
    }

    /// Index of the `\r\n\r\n` that ends the head.
    private static func findBlankLine(_ buffer: [UInt8], from: Int) -> Int? {
        var i = max(from, 0)
        while i + 3 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(RequestParseError) -> Head {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("request line must be 'METHOD target HTTP/1.1'") }
        let method = parts[0], target = parts[1], version = parts[2]
        guard !method.isEmpty, method.allSatisfy(Self.isTokenByte) else {
            throw .malformed("method is not a valid token")
        }
        guard !target.isEmpty, target.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw .malformed("request target is empty or holds bytes outside visible ASCII")
        }
        guard target.first == UInt8(ascii: "/") || (target.elementsEqual("*".utf8)) else {
            throw .malformed("request target must start with '/'")
        }
        let versionText = String(decoding: version, as: UTF8.self)
        switch versionText {
        case "HTTP/1.1", "HTTP/1.0": break
        default:
            let shape = version.count == 8 && version.starts(with: "HTTP/".utf8)
                && version[version.startIndex + 5] >= 48 && version[version.startIndex + 5] <= 57
                && version[version.startIndex + 6] == UInt8(ascii: ".")
                && version[version.startIndex + 7] >= 48 && version[version.startIndex + 7] <= 57
            if shape { throw .versionNotSupported(versionText) }
            throw .malformed("protocol version must be HTTP/1.1 or HTTP/1.0")
        }
        return Head(
            method: String(decoding: method, as: UTF8.self),
            target: String(decoding: target, as: UTF8.self),
            version: versionText,
            fields: [],
            contentLength: 0,
            length: 0
        )
    }

    private func parseFields(_ buffer: [UInt8], from: Int, to end: Int) throws(RequestParseError) -> [HeaderField] {
        var fields: [HeaderField] = []
        var lineStart = from
        while lineStart < end {
            var lineEnd = lineStart
            while lineEnd + 1 < end, !(buffer[lineEnd] == 13 && buffer[lineEnd + 1] == 10) { lineEnd += 1 }
            if fields.count == maxHeaderCount { throw .tooManyHeaders(limit: maxHeaderCount) }
            fields.append(try parseField(buffer[lineStart..<lineEnd]))
            lineStart = lineEnd + 2
        }
        return fields
    }

    private func parseField(_ line: ArraySlice<UInt8>) throws(RequestParseError) -> HeaderField {
        if let first = line.first, first == 32 || first == 9 {
            throw .malformed("obsolete header line folding is not accepted")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw .malformed("header line without ':'")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else {
            throw .malformed("header name is not a valid token")
        }
        var value = line[(colon + 1)...]
        while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
        while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
        // Visible ASCII, space, tab and obs-text; no other control byte (NUL, bare CR or LF).
        guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else {
            throw .malformed("header value holds a control character")
        }
        return HeaderField(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
    }

    private func validate(_ head: inout Head) throws(RequestParseError) {
        var length: Int?
        var hosts = 0
        for field in head.fields {
            if field.name.equalsIgnoringASCIICase("Transfer-Encoding") {
                throw .transferEncodingNotSupported(field.value)
            }
            if field.name.equalsIgnoringASCIICase("Host") { hosts += 1 }
            if field.name.equalsIgnoringASCIICase("Content-Length") {
                let digits = field.value.utf8
                guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                      let value = Int(field.value) else {
                    throw .malformed("Content-Length is not a decimal number")
                }
                if let earlier = length, earlier != value { throw .malformed("conflicting Content-Length fields") }
                length = value
            }
        }
        if head.version == "HTTP/1.1" && hosts == 0 { throw .malformed("HTTP/1.1 request without Host") }
        if hosts > 1 { throw .malformed("more than one Host field") }
        let contentLength = length ?? 0
        if contentLength > maxBody { throw .bodyTooLarge(length: contentLength, limit: maxBody) }
        head.contentLength = contentLength
    }

    /// RFC 9110 token characters.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
