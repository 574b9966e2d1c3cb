import TetherHTTP

extension HTTPErrorFormat {
    /// Tether's one error shape, `{"error":{"code":"…","message":"…"}}`: the Bridge's refusals
    /// and, set as `HTTPConfiguration.errorFormat`, the HTTP server's own.
    public static let json = HTTPErrorFormat { error in
        ("application/json", Array(ProtocolCodec.encode(ErrorBody(code: error.code, message: error.description)).utf8))
    }
}

/// The Bridge's refusals that more than one handler gives.
enum BridgeErrors {
    /// The answer for anything a handler threw; an error with no status of its own is a 500.
    static func response(for error: any Error) -> HTTPResponse {
        guard let error = error as? any HTTPResponseError else {
            return HTTPErrorFormat.json.response(for: HTTPError(.internalServerError, code: "internal", message: "\(error)"))
        }
        return HTTPErrorFormat.json.response(for: error)
    }

    static let unknownSession = HTTPError(
        .gone, code: "unknown_session",
        message: "no open session with this id: the page expired or the server restarted; reload the page")

    static let shuttingDown = HTTPError(.serviceUnavailable, code: "shutting_down", message: "the server is stopping")
}

extension EndpointError: HTTPResponseError {
    public var status: HTTPStatus {
        switch self {
        case .unknownFunction, .unknownProperty: .notFound
        case .readOnlyProperty: .forbidden
        case .badArguments: .badRequest
        case .failed: .internalServerError
        }
    }

    public var code: String {
        switch self {
        case .unknownFunction, .unknownProperty: "not_exposed"
        case .readOnlyProperty: "read_only"
        case .badArguments: "bad_arguments"
        case .failed: "handler_failed"
        }
    }
}
