/// The one interface between the server and whatever answers requests.
/// A handler may block its thread (a long poll does); each connection has its own thread.
public protocol HTTPHandler: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
}

/// A handler from a closure: `HandlerFunction { _ in HTTPResponse(body: Array("hi".utf8)) }`.
public struct HandlerFunction: HTTPHandler {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse
    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.body = body }
    public func respond(to request: HTTPRequest) -> HTTPResponse { body(request) }
}
