import TetherHTTP

/// A transport that hands each request to a handler in this process, on the calling thread
/// (`Bridge.respond(to:)` holds a poll there until it is answered). Nothing can be cut: a
/// held poll ends with its hold.
package struct HandlerTransport: ClientTransport {
    private let handler: any HTTPHandler

    package init(_ handler: any HTTPHandler) { self.handler = handler }

    package var authority: String? { nil }

    package func exchange(_ request: HTTPRequest, timeout: Duration) throws(ClientError) -> HTTPResponse {
        handler.respond(to: request)
    }

    package func another() throws(ClientError) -> any ClientTransport { self }

    package func cut() {}
}
