import TetherHTTP

/// CSRF guard for `POST _process_srv0`: a request whose `Origin` is present must come from
/// one of our own hosts (or, without an allow list, from the host it asked for). A page on
/// another site cannot call in, with or without a guessed session id; `null` (sandboxed
/// frames, file: pages) is refused; the JSON content type forces a preflight we never grant.
enum OriginCheck {
    static func refusal(for request: HTTPRequest, hosts: HostAllowList?) -> HTTPResponse? {
        guard let origin = request.headers["Origin"] else { return nil }  // not a browser (curl)
        if let hosts {
            if hosts.allows(origin: origin) { return nil }
        } else {
            let host = request.headers["Host"] ?? ""
            if ["http://" + host, "https://" + host].contains(where: { $0.equalsIgnoringASCIICase(origin) }) { return nil }
        }
        return .error(.forbidden, code: "foreign_origin", message: "requests from origin '\(origin)' are not accepted")
    }
}
