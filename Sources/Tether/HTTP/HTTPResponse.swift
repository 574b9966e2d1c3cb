/// A response value; serializing adds `Date`, `Content-Length` and `Connection`.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// A file's bytes, sent instead of `body` when set (static files). The server streams them
    /// from the descriptor with sendfile; `serialized` reads them.
    public var file: FileRegion?
    /// Close the connection after sending (set for every error that leaves the stream unsure).
    public var closesConnection: Bool

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = [], file: FileRegion? = nil,
                closesConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.file = file
        self.closesConnection = closesConnection
    }

    /// What `Content-Length` says: the file region's length when there is one, else the body's.
    public var contentLength: Int { file?.length ?? body.count }

    public static func json(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(text.utf8))
    }

    /// The head on the wire, blank line included; `Content-Length` is `length` when given (the
    /// bytes actually read of a file that shrank since it was opened), else `contentLength`.
    func serializedHead(keepAlive: Bool, contentLength length: Int? = nil) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for field in headers where !field.name.equalsIgnoringASCIICase("Content-Length")
            && !field.name.equalsIgnoringASCIICase("Connection") {
            head += "\(field.name): \(field.value)\r\n"
        }
        // 204 and 304 have no content: no type, and 204 not even a length (RFC 9110 §8.6).
        let hasContent = status.code != 204 && status.code != 304
        if hasContent && !headers.contains("Content-Type") { head += "Content-Type: text/plain; charset=utf-8\r\n" }
        if !headers.contains("Date") { head += "Date: \(HTTPDate.now)\r\n" }
        if status.code != 204 { head += "Content-Length: \(length ?? contentLength)\r\n" }
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(head.utf8)
    }

    /// The bytes on the wire, head and body in one buffer (a file region is read whole).
    func serialized(includeBody: Bool, keepAlive: Bool) -> [UInt8] {
        let content = includeBody ? (file?.read() ?? body) : []
        // A file that shrank since it was opened is sent as it now is, framed by what is sent.
        var bytes = serializedHead(keepAlive: keepAlive, contentLength: includeBody ? content.count : contentLength)
        if includeBody {
            bytes.reserveCapacity(bytes.count + content.count)
            bytes.append(contentsOf: content)
        }
        return bytes
    }
}
