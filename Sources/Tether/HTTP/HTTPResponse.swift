/// A response value; serializing adds `Date`, `Content-Length` and `Connection`.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Close the connection after sending (set for every error that leaves the stream unsure).
    public var closesConnection: Bool

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = [], closesConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.closesConnection = closesConnection
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

    /// The bytes on the wire: head and body in one buffer, so they go out in one write.
    func serialized(includeBody: Bool, keepAlive: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for field in headers where !field.name.equalsIgnoringASCIICase("Content-Length")
            && !field.name.equalsIgnoringASCIICase("Connection") {
            head += "\(field.name): \(field.value)\r\n"
        }
        if !headers.contains("Content-Type") { head += "Content-Type: text/plain; charset=utf-8\r\n" }
        if !headers.contains("Date") { head += "Date: \(HTTPDate.now)\r\n" }
        head += "Content-Length: \(body.count)\r\n"
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if includeBody {
            bytes.reserveCapacity(bytes.count + body.count)
            bytes.append(contentsOf: body)
        }
        return bytes
    }
}
