import TetherHTTP

/// CSRF guard for `POST _process_srv0`: a request whose `Origin` is present must come from
/// the page's own origin (the host it asked for). A page on another site cannot call in,
/// with or without a guessed session id; the JSON content type forces a preflight we never grant.
enum OriginCheck {
    static func refusal(for request: HTTPRequest) -> HTTPResponse? {
        guard let origin = request.headers["Origin"] else { return nil }  // curl, or same-origin GET-like
        let host = request.headers["Host"] ?? ""
        let allowed = ["http://" + host, "https://" + host]
        if allowed.contains(where: { $0.equalsIgnoringASCIICase(origin) }) { return nil }
        return .error(.forbidden, code: "foreign_origin", message: "requests from origin '\(origin)' are not accepted")
    }
}
