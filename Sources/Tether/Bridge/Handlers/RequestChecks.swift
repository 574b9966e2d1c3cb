import TetherHTTP

/// DNS rebinding: a page on another site whose name now points at 127.0.0.1 still sends its
/// own name as `Host`. (A request without `Host` is not from a browser.)
struct HostCheck: RequestCheck {
    let hosts: HostAllowList

    func check(_ request: HTTPRequest) throws(HTTPError) {
        guard let host = request.headers["Host"], !hosts.allows(authority: host) else { return }
        throw HTTPError(.forbidden, code: "foreign_host", message: "this server does not answer for host '\(host)'")
    }
}

/// CSRF guard for the protocol: a request whose `Origin` is present must come from one of our
/// own hosts (or, without an allow list, from the host it asked for). A page on another site
/// cannot call in, with or without a guessed session id; `null` (sandboxed frames, file: pages)
/// is refused; the JSON content type forces a preflight we never grant.
struct OriginCheck: RequestCheck {
    let hosts: HostAllowList?

    func check(_ request: HTTPRequest) throws(HTTPError) {
        guard let origin = request.headers["Origin"] else { return }  // not a browser (curl)
        if let hosts {
            if hosts.allows(origin: origin) { return }
        } else {
            let host = request.headers["Host"] ?? ""
            if ["http://" + host, "https://" + host].contains(where: { $0.equalsIgnoringASCIICase(origin) }) { return }
        }
        throw HTTPError(.forbidden, code: "foreign_origin", message: "requests from origin '\(origin)' are not accepted")
    }
}

/// `405` with `Allow` for any other method.
struct MethodCheck: RequestCheck {
    let allowed: [String]
    let hint: String

    func check(_ request: HTTPRequest) throws(HTTPError) {
        guard !allowed.contains(request.method) else { return }
        throw HTTPError(.methodNotAllowed, code: "method_not_allowed", message: hint,
                        headers: ["Allow": allowed.joined(separator: ", ")])
    }
}

/// `415` unless the body is declared `application/json`.
struct JSONContentCheck: RequestCheck {
    func check(_ request: HTTPRequest) throws(HTTPError) {
        guard !Self.isJSON(request.headers["Content-Type"]) else { return }
        throw HTTPError(.unsupportedMediaType, code: "unsupported_media_type", message: "Content-Type must be application/json")
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingOWS() } ?? ""
        return mediaType.equalsIgnoringASCIICase("application/json")
    }
}
