import TetherBridge
import TetherHTTP

/// How a page client reaches a server: one request, its response. In process it is any
/// `HTTPHandler` (`HandlerTransport(bridge)`, no sockets); live it is a keep-alive loopback
/// connection (`SocketTransport(port:)`). The same client code runs over both, as
/// HummingbirdTesting's one client runs `.router` and `.live`.
package protocol ClientTransport: Sendable {
    /// `Host` (and so `Origin`) the requests name: `127.0.0.1:8080`; nil in process.
    var authority: String? { get }
    /// One request and its response; one exchange at a time on a transport.
    func exchange(_ request: HTTPRequest, timeout: Duration) throws(ClientError) -> HTTPResponse
    /// Another transport to the same server, for a second exchange at the same time (a page's
    /// poll beside its calls, as a browser uses two connections).
    func another() throws(ClientError) -> any ClientTransport
    /// Ends an exchange in flight at once, as a killed browser's connection does.
    func cut()
}

/// Why a client's request did not get the answer the protocol expects.
package enum ClientError: Error, Equatable, CustomStringConvertible {
    /// No response: the connection failed, closed or timed out.
    case transport(String)
    /// The server answered with an error status and its JSON error body.
    case refused(status: Int, code: String, message: String)
    /// A response the protocol does not allow (its body, or a status it never sends there).
    case malformed(String)

    package var description: String {
        switch self {
        case .transport(let what): "no response: \(what)"
        case .refused(let status, let code, let message): "\(status) \(code): \(message)"
        case .malformed(let what): "malformed response: \(what)"
        }
    }

    /// The status of a refusal (410 for a closed page), nil otherwise.
    package var status: Int? {
        if case .refused(let status, _, _) = self { return status }
        return nil
    }
}

extension ClientError {
    /// The refusal an error response stands for (`{"error":{"code":…,"message":…}}`).
    static func refusal(_ response: HTTPResponse) -> ClientError {
        guard let body = try? ProtocolCodec.decodeErrorBody(response.body) else {
            return .refused(status: response.status.code, code: "unknown",
                            message: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        return .refused(status: response.status.code, code: body.code, message: body.message)
    }
}
