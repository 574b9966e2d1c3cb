/// A response value; the connection adds `Content-Length` and `Connection`.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// A body streamed from a file instead of `body` (static files); `body` is then ignored.
    public var file: FileRegion?
    /// Close the connection after sending (set for every error that leaves the stream unsure).
    public var closesConnection: Bool

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = [], closesConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.closesConnection = closesConnection
    }

    /// A response whose body streams from `file`.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], file: FileRegion) {
        self.init(status: status, headers: headers)
        self.file = file
    }

    /// `{"error":{"code":"…","message":"…"}}`, the one error shape of Tether.
    public static func error(_ status: HTTPStatus, code: String, message: String, closesConnection: Bool = false) -> HTTPResponse {
        let body = "{\"error\":{\"code\":\(JSONText.quote(code)),\"message\":\(JSONText.quote(message))}}"
        return HTTPResponse(
            status: status,
            headers: ["Content-Type": "application/json"],
            body: Array(body.utf8),
            closesConnection: closesConnection
        )
    }

    public static func json(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(text.utf8))
    }

    /// Bytes of the body: the file region's, or `body`'s.
    public var contentLength: Int { file?.length ?? body.count }

    /// The head on the wire, blank line included.
    func serializedHead(keepAlive: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for field in headers where !field.name.equalsIgnoringASCIICase("Content-Length")
            && !field.name.equalsIgnoringASCIICase("Connection") {
            head += "\(field.name): \(field.value)\r\n"
        }
        if !headers.contains("Content-Type") { head += "Content-Type: text/plain; charset=utf-8\r\n" }
        head += "Content-Length: \(contentLength)\r\n"
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(head.utf8)
    }

    /// The bytes on the wire, for a response small enough to build whole (a file body is left out).
    func serialized(includeBody: Bool, keepAlive: Bool) -> [UInt8] {
        var bytes = serializedHead(keepAlive: keepAlive)
        if includeBody && file == nil { bytes.append(contentsOf: body) }
        return bytes
    }
}
