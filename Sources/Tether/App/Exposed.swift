/// What a page may reach of its app: methods by name (with up to four `Decodable`
/// arguments and an `Encodable` result, or none) and properties (read, or read and write).
/// Nothing else of the app is reachable.
///
///     static var exposed: Exposed<Counter> {
///         Exposed()
///             .method("increment") { $0.increment() }
///             .method("getresult") { (_, a: Int, b: Int) in a + b }
///             .property("count", \.count)              // a `var`: the page may set it
///     }
public struct Exposed<A: App>: Sendable {
    typealias Method = @Sendable (A, [JSONValue]) throws -> String
    typealias Getter = @Sendable (A) throws -> String
    typealias Setter = @Sendable (A, JSONValue) throws -> Void

    private(set) var methods: [String: Method] = [:]
    private(set) var getters: [String: Getter] = [:]
    private(set) var setters: [String: Setter] = [:]
    private var methodOrder: [String] = []
    private var propertyOrder: [String] = []

    public init() {}

    var names: ExposedNames {
        ExposedNames(methods: methodOrder, properties: propertyOrder, settable: propertyOrder.filter { setters[$0] != nil })
    }

    // MARK: Properties

    /// A property the page may read (`await server.count`) and write (`server.count = 0`).
    public func property<Value: Codable & SendableMetatype>(_ name: String, _ keyPath: ReferenceWritableKeyPath<A, Value> & Sendable) -> Self {
        property(name, get: { $0[keyPath: keyPath] }, set: { $0[keyPath: keyPath] = $1 })
    }

    /// A property the page may only read.
    public func property<Value: Encodable & SendableMetatype>(_ name: String, _ keyPath: KeyPath<A, Value> & Sendable) -> Self {
        readOnlyProperty(name, get: { $0[keyPath: keyPath] })
    }

    /// A read-only property with a getter of your own.
    public func readOnlyProperty<Value: Encodable & SendableMetatype>(_ name: String, get: @escaping @Sendable (A) throws -> Value) -> Self {
        var copy = self
        copy.addProperty(name)
        copy.getters[name] = { (app: A) throws -> String in
            let value = try get(app)
            return try Self.encodeResult(value, of: name)
        }
        copy.setters[name] = nil
        return copy
    }

    /// A property with a getter and a setter of your own (the setter may validate and throw).
    public func property<Value: Codable & SendableMetatype>(
        _ name: String, get: @escaping @Sendable (A) throws -> Value, set: @escaping @Sendable (A, Value) throws -> Void
    ) -> Self {
        var copy = readOnlyProperty(name, get: get)
        copy.setters[name] = { (app: A, json: JSONValue) throws in
            let value = try Self.decodeArgument(Value.self, from: json, position: nil, of: name)
            try set(app, value)
        }
        return copy
    }

    private mutating func addProperty(_ name: String) {
        if !propertyOrder.contains(name) { propertyOrder.append(name) }
    }

    private mutating func addMethod(_ name: String, _ body: @escaping Method) {
        if !methodOrder.contains(name) { methodOrder.append(name) }
        methods[name] = body
    }

    // MARK: Helpers

    static func check(_ arguments: [JSONValue], count: Int, of name: String) throws {
        guard arguments.count == count else {
            throw EndpointError.badArguments("\(name) takes \(count) argument\(count == 1 ? "" : "s"), got \(arguments.count)")
        }
    }

    static func decodeArgument<T: Decodable>(_ type: T.Type, from value: JSONValue, position: Int?, of name: String) throws -> T {
        do {
            return try JSONCoding.decode(T.self, from: value)
        } catch {
            let which = position.map { "argument \($0 + 1) of \(name)" } ?? "value of \(name)"
            throw EndpointError.badArguments("\(which): \(error.description)")
        }
    }

    static func encodeResult<T: Encodable>(_ value: T, of name: String) throws -> String {
        do {
            return try JSONCoding.encode(value)
        } catch {
            throw EndpointError.failed("\(name): \(error.description)")
        }
    }

    // MARK: Methods

    /// A method of 0 arguments (the page receives `null`).
    public func method(_ name: String, _ body: @escaping @Sendable (A) throws -> Void) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 0, of: name)

            try body(app)
            return "null"
        }
        return copy
    }

    /// A method of 0 arguments whose result the page receives.
    public func method<Result: Encodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A) throws -> Result) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 0, of: name)

            let result = try body(app)
            return try Self.encodeResult(result, of: name)
        }
        return copy
    }

    /// A method of 1 argument (the page receives `null`).
    public func method<P1: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1) throws -> Void) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 1, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            try body(app, a0)
            return "null"
        }
        return copy
    }

    /// A method of 1 argument whose result the page receives.
    public func method<Result: Encodable & SendableMetatype, P1: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1) throws -> Result) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 1, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            let result = try body(app, a0)
            return try Self.encodeResult(result, of: name)
        }
        return copy
    }

    /// A method of 2 arguments (the page receives `null`).
    public func method<P1: Decodable & SendableMetatype, P2: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1, P2) throws -> Void) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 2, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            let a1 = try Self.decodeArgument(P2.self, from: arguments[1], position: 1, of: name)
            try body(app, a0, a1)
            return "null"
        }
        return copy
    }

    /// A method of 2 arguments whose result the page receives.
    public func method<Result: Encodable & SendableMetatype, P1: Decodable & SendableMetatype, P2: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1, P2) throws -> Result) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 2, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            let a1 = try Self.decodeArgument(P2.self, from: arguments[1], position: 1, of: name)
            let result = try body(app, a0, a1)
            return try Self.encodeResult(result, of: name)
        }
        return copy
    }

    /// A method of 3 arguments (the page receives `null`).
    public func method<P1: Decodable & SendableMetatype, P2: Decodable & SendableMetatype, P3: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1, P2, P3) throws -> Void) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 3, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            let a1 = try Self.decodeArgument(P2.self, from: arguments[1], position: 1, of: name)
            let a2 = try Self.decodeArgument(P3.self, from: arguments[2], position: 2, of: name)
            try body(app, a0, a1, a2)
            return "null"
        }
        return copy
    }

    /// A method of 3 arguments whose result the page receives.
    public func method<Result: Encodable & SendableMetatype, P1: Decodable & SendableMetatype, P2: Decodable & SendableMetatype, P3: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1, P2, P3) throws -> Result) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 3, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            let a1 = try Self.decodeArgument(P2.self, from: arguments[1], position: 1, of: name)
            let a2 = try Self.decodeArgument(P3.self, from: arguments[2], position: 2, of: name)
            let result = try body(app, a0, a1, a2)
            return try Self.encodeResult(result, of: name)
        }
        return copy
    }

    /// A method of 4 arguments (the page receives `null`).
    public func method<P1: Decodable & SendableMetatype, P2: Decodable & SendableMetatype, P3: Decodable & SendableMetatype, P4: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1, P2, P3, P4) throws -> Void) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 4, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            let a1 = try Self.decodeArgument(P2.self, from: arguments[1], position: 1, of: name)
            let a2 = try Self.decodeArgument(P3.self, from: arguments[2], position: 2, of: name)
            let a3 = try Self.decodeArgument(P4.self, from: arguments[3], position: 3, of: name)
            try body(app, a0, a1, a2, a3)
            return "null"
        }
        return copy
    }

    /// A method of 4 arguments whose result the page receives.
    public func method<Result: Encodable & SendableMetatype, P1: Decodable & SendableMetatype, P2: Decodable & SendableMetatype, P3: Decodable & SendableMetatype, P4: Decodable & SendableMetatype>(_ name: String, _ body: @escaping @Sendable (A, P1, P2, P3, P4) throws -> Result) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            try Self.check(arguments, count: 4, of: name)
            let a0 = try Self.decodeArgument(P1.self, from: arguments[0], position: 0, of: name)
            let a1 = try Self.decodeArgument(P2.self, from: arguments[1], position: 1, of: name)
            let a2 = try Self.decodeArgument(P3.self, from: arguments[2], position: 2, of: name)
            let a3 = try Self.decodeArgument(P4.self, from: arguments[3], position: 3, of: name)
            let result = try body(app, a0, a1, a2, a3)
            return try Self.encodeResult(result, of: name)
        }
        return copy
    }

}
