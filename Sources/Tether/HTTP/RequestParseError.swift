/// Why a request was refused before reaching a handler; each maps to one status.
public enum RequestParseError: HTTPResponseError, Equatable {
    case requestLineTooLong(limit: Int)
    case headersTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case malformed(String)
    case versionNotSupported(String)
    case bodyTooLarge(length: Int, limit: Int)
    case transferEncodingNotSupported(String)
    case timedOut

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .headerFieldsTooLarge
        case .malformed: .badRequest
        case .versionNotSupported: .httpVersionNotSupported
        case .bodyTooLarge: .contentTooLarge
        case .transferEncodingNotSupported: .notImplemented
        case .timedOut: .requestTimeout
        }
    }

    public var code: String {
        switch self {
        case .requestLineTooLong: "request_line_too_long"
        case .headersTooLarge: "headers_too_large"
        case .tooManyHeaders: "too_many_headers"
        case .malformed: "malformed_request"
        case .versionNotSupported: "http_version_not_supported"
        case .bodyTooLarge: "body_too_large"
        case .transferEncodingNotSupported: "transfer_encoding_not_supported"
        case .timedOut: "request_timeout"
        }
    }

    public var description: String {
        switch self {
        case .requestLineTooLong(let limit): "request line longer than \(limit) bytes"
        case .headersTooLarge(let limit): "header block larger than \(limit) bytes"
        case .tooManyHeaders(let limit): "more than \(limit) header fields"
        case .malformed(let why): why
        case .versionNotSupported(let version): "HTTP version \(version) is not supported (use HTTP/1.1 or HTTP/1.0)"
        case .bodyTooLarge(let length, let limit): "body of \(length) bytes exceeds the limit of \(limit) bytes"
        case .transferEncodingNotSupported(let coding):
            "Transfer-Encoding '\(coding)' is not supported; send the body with Content-Length"
        case .timedOut: "the request was not received in time"
        }
    }

    /// The connection closes after the answer: the rest of its bytes cannot be trusted.
    public var closesConnection: Bool { true }
}
