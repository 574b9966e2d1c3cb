/// A parsed request: what a handler sees.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent (`/a%20b/c.html?x=1`), not decoded.
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The target up to `?`, still percent-encoded.
    public var path: Substring {
        target.prefix { $0 != "?" }
    }

    /// Whether the client asked to keep the connection open after this request.
    public var wantsKeepAlive: Bool {
        let connection = headers["Connection"] ?? ""
        if version == "HTTP/1.0" { return connection.listsToken("keep-alive") }
        return !connection.listsToken("close")
    }
}
