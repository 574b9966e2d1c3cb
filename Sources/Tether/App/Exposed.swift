/// What a page may reach of its app: methods by name (with `Decodable` arguments and an
/// `Encodable` result, or none) and properties (read, or read and write).
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

    /// A method whose arguments are decoded from the page's JSON, one per parameter
    /// (`{ (app, a: Int, b: Int) in … }`); the page receives `null`.
    public func method<each Argument: Decodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable (A, repeat each Argument) throws -> Void
    ) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            let values = try Self.decodeArguments((repeat (each Argument).self), from: arguments, of: name)
            try body(app, repeat each values)
            return "null"
        }
        return copy
    }

    /// A method whose result the page receives (any `Encodable`).
    public func method<Result: Encodable & SendableMetatype, each Argument: Decodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable (A, repeat each Argument) throws -> Result
    ) -> Self {
        var copy = self
        copy.addMethod(name) { (app: A, arguments: [JSONValue]) throws -> String in
            let values = try Self.decodeArguments((repeat (each Argument).self), from: arguments, of: name)
            return try Self.encodeResult(try body(app, repeat each values), of: name)
        }
        return copy
    }

    /// Decodes exactly as many arguments as the method has parameters, each as its type.
    static func decodeArguments<each Argument: Decodable>(
        _ types: (repeat (each Argument).Type), from arguments: [JSONValue], of name: String
    ) throws -> (repeat each Argument) {
        var count = 0
        for _ in repeat each types { count += 1 }
        try check(arguments, count: count, of: name)
        var position = 0
        func next<T: Decodable>(_ type: T.Type) throws -> T {
            defer { position += 1 }
            return try decodeArgument(T.self, from: arguments[position], position: position, of: name)
        }
        return (repeat try next(each types))
    }
}
