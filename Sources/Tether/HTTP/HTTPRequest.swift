/// A parsed request: what a handler sees.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent (`/a%20b/c.html?x=1`), not decoded.
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The client's address (`127.0.0.1`, `::1`) when the request came over a socket.
    /// Behind a reverse proxy this is the proxy's; the client is in its headers.
    public var peerAddress: String?

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: HTTPHeaders = [:], body: [UInt8] = [],
                peerAddress: String? = nil) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.peerAddress = peerAddress
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
