/// What a session talks to: the app behind one page. The Bridge knows nothing of apps;
/// the App layer implements this for each page it serves.
public protocol SessionEndpoint: Sendable {
    /// The names the page may reach: nothing else of the app is reachable.
    var exposedNames: ExposedNames { get }
    /// Runs an exposed method; returns its result as JSON text (`null` for none).
    func call(_ function: String, arguments: [JSONValue]) throws(EndpointError) -> String
    /// Reads an exposed property as JSON text.
    func get(_ property: String) throws(EndpointError) -> String
    /// Writes an exposed settable property.
    func set(_ property: String, to value: JSONValue) throws(EndpointError)
    /// The page has been served: start the app's `main`, if any.
    func sessionOpened()
    /// The page is gone (unloaded, expired, server stopping): `main` must end, state is freed.
    func sessionClosed(_ reason: CloseReason)
    /// The page reported errors (already logged and counted). Called on the poll's thread:
    /// it must not wait for the app.
    func pageReported(_ errors: [PageError])
}

extension SessionEndpoint {
    public func pageReported(_ errors: [PageError]) {}
}

public struct ExposedNames: Sendable, Equatable {
    public var methods: [String]
    public var properties: [String]
    /// The subset of `properties` the page may write.
    public var settable: [String]

    public init(methods: [String] = [], properties: [String] = [], settable: [String] = []) {
        self.methods = methods
        self.properties = properties
        self.settable = settable
    }
}

/// Why an exposed name could not be used; each case has its status.
public enum EndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownFunction(String)
    case unknownProperty(String)
    case readOnlyProperty(String)
    case badArguments(String)
    /// The handler threw; the message is the error's description.
    case failed(String)

    public var description: String {
        switch self {
        case .unknownFunction(let name): "no exposed function named '\(name)'"
        case .unknownProperty(let name): "no exposed property named '\(name)'"
        case .readOnlyProperty(let name): "property '\(name)' is read-only"
        case .badArguments(let why): why
        case .failed(let message): message
        }
    }
}

/// Why a session ended.
public enum CloseReason: Sendable, Equatable, CustomStringConvertible {
    case unloaded
    case neverPolled
    case stoppedPolling
    case outboxOverflow
    case serverStopping
    case closedByServer
    /// The session limit was reached and this page had been silent longest: it gave way to a new one.
    case gaveWay

    public var description: String {
        switch self {
        case .unloaded: "page unloaded"
        case .neverPolled: "page never polled"
        case .stoppedPolling: "page stopped polling"
        case .outboxOverflow: "outbox full: the page is not taking commands"
        case .serverStopping: "server stopping"
        case .closedByServer: "closed by the server"
        case .gaveWay: "gave way to a new page at the session limit (silent longest)"
        }
    }
}
