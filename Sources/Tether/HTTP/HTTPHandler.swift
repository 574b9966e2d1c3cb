/// The one interface between the server and whatever answers requests.
///
/// The server calls `respond(to:responder:)` on its I/O thread. The default hands the request
/// to a worker thread, which runs `respond(to:)` and may block there (app code, `page.eval`).
/// A handler that can answer without blocking, or later (a held long poll), implements
/// `respond(to:responder:)` itself and answers through the responder, from any thread.
public protocol HTTPHandler: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
    /// Must not block: do blocking work inside `responder.runOnWorker`.
    func respond(to request: HTTPRequest, responder: any HTTPResponder)
}

extension HTTPHandler {
    public func respond(to request: HTTPRequest, responder: any HTTPResponder) {
        responder.runOnWorker { responder.send(self.respond(to: request)) }
    }
}

/// A handler from a closure: `HandlerFunction { _ in HTTPResponse(body: Array("hi".utf8)) }`.
public struct HandlerFunction: HTTPHandler {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse
    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.body = body }
    public func respond(to request: HTTPRequest) -> HTTPResponse { body(request) }
}
