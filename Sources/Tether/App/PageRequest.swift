import TetherHTTP

/// The request that opened a page, as the app sees it in `init(page:)`:
/// `page.request.query("screen")` is `"lobby"` for `/?screen=lobby`.
public struct PageRequest: Sendable {
    /// One `name=value` pair of the query, decoded (`%20` and `+` are spaces).
    public struct QueryItem: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The path as requested, decoded (`/`, `/kiosk/index.html`). Behind a reverse proxy it
    /// is the path the proxy asked for.
    public let path: String
    /// The query's pairs in order; a name without `=` has the value `""`.
    public let queryItems: [QueryItem]
    /// Every header field, read-only (`request.headers["User-Agent"]`).
    public let headers: HTTPHeaders
    /// The `Cookie` header's pairs; the first of a repeated name wins.
    public let cookies: [String: String]
    /// The client's address (`127.0.0.1`); behind a proxy, the proxy's (see `X-Forwarded-For`
    /// in `headers`). Nil when the page was not served over a socket (tests).
    public let clientAddress: String?

    /// The first value of the query item `name`.
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    init(_ request: HTTPRequest) {
        path = Self.decoded(request.path, plusIsSpace: false)
        let query = request.target.firstIndex(of: "?").map { request.target[request.target.index(after: $0)...] } ?? ""
        queryItems = query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return QueryItem(name: Self.decoded(parts[0], plusIsSpace: true),
                             value: parts.count > 1 ? Self.decoded(parts[1], plusIsSpace: true) : "")
        }
        headers = request.headers
        var cookies: [String: String] = [:]
        for header in request.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = parts[0].trimmingCharacters(in: " \t")
                guard !name.isEmpty, cookies[name] == nil else { continue }
                var value = parts.count > 1 ? parts[1].trimmingCharacters(in: " \t") : ""
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                cookies[name] = value
            }
        }
        self.cookies = cookies
        clientAddress = request.peerAddress
    }

    /// Percent-decoded text; a malformed escape is kept as written, bytes that are not
    /// UTF-8 become U+FFFD.
    private static func decoded(_ raw: Substring, plusIsSpace: Bool) -> String {
        let text = plusIsSpace ? Substring(raw.replacingOccurrences(of: "+", with: " ")) : raw
        guard let bytes = PathConfinement.percentDecode(text) else { return String(text) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set)
        return String(drop { scalars.contains($0) }.reversed().drop { scalars.contains($0) }.reversed())
    }

    func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
