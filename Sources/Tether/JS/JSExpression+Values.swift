import TetherBridge

/// Swift values as expressions: JSON literals where JSON can hold them, so the page applies
/// them without `eval`; the code they stand for is the literal `appendJS` writes.
func jsExpression(_ value: any JSConvertible) -> JSExpression {
    switch value {
    case let js as JS: js._expressionOrEmpty
    case let text as String: .literal(.string(text))
    case let text as Substring: .literal(.string(String(text)))
    case let character as Character: .literal(.string(String(character)))
    case let flag as Bool: .literal(.bool(flag))
    case let number as Double: .number(number, text: number.description)
    case let number as Float: .number(Double(number), text: number.description)
    case let integer as any BinaryInteger: .literal(.number("\(integer)"))
    case let container as any JSContainer: container.containedExpression
    default: .parsing(code: jsLiteral(value))
    }
}

/// Optionals, arrays and dictionaries of convertible values: their elements become expressions.
protocol JSContainer {
    var containedExpression: JSExpression { get }
}

extension Optional: JSContainer where Wrapped: JSConvertible {
    var containedExpression: JSExpression { map { jsExpression($0) } ?? .literal(.null) }
}

extension Array: JSContainer where Element: JSConvertible {
    var containedExpression: JSExpression { .collapsed(array: map { jsExpression($0) }) }
}

extension Dictionary: JSContainer where Key == String, Value: JSConvertible {
    /// Sorted keys, as `appendJS` writes them.
    var containedExpression: JSExpression {
        .collapsed(object: keys.sorted().compactMap { key in self[key].map { .init(key, jsExpression($0)) } })
    }
}

extension JSExpression {
    /// A finite number as its JSON text; NaN and the infinities as their names.
    static func number(_ value: Double, text: String) -> JSExpression {
        if value.isNaN { return .nonFinite(.nan) }
        if value.isInfinite { return .nonFinite(value < 0 ? .negativeInfinity : .infinity) }
        return .literal(.number(text))
    }

    /// A literal written by hand (a custom `appendJS`, an encoder's JSON): data when it is JSON
    /// that reads back to the same text, else raw code, so the code never changes.
    static func parsing(code: String) -> JSExpression {
        guard let value = try? JSONParser.parse(code), value.jsonText == code else { return .code(code) }
        return .literal(value)
    }

    /// An array of plain values is one JSON literal (same code, a smaller command).
    static func collapsed(array elements: [JSExpression]) -> JSExpression {
        var values: [JSONValue] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            guard case .literal(let value) = element else { return .array(elements) }
            values.append(value)
        }
        return .literal(.array(values))
    }

    /// An object of plain values is one JSON literal when its keys are already in the sorted
    /// order a JSON literal is written in; otherwise the order written is kept entry by entry.
    static func collapsed(object entries: [ObjectEntry]) -> JSExpression {
        var members: [String: JSONValue] = [:]
        var previous: String?
        for entry in entries {
            guard case .literal(let value) = entry.value, previous.map({ $0 < entry.key }) ?? true else { return .object(entries) }
            members[entry.key] = value
            previous = entry.key
        }
        return .literal(.object(members))
    }
}
