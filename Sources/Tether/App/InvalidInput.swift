/// Thrown by an exposed method or property setter to refuse what the page sent: the page's
/// promise rejects with `message`, and the request is answered 400 (not 500, which says
/// the app failed).
///
///     .property("count", get: { $0.count }, set: { app, value in
///         guard (0...1000).contains(value) else { throw InvalidInput("count must be 0 to 1000") }
///         app.count = value
///     })
public struct InvalidInput: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
