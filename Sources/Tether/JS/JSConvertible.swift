import TetherBridge

/// A Swift value that can stand in JavaScript as a literal.
///
/// Every value becomes a JSON literal with `<`, U+2028 and U+2029 escaped, so nothing a value
/// holds can break out into code. The requirement is static on purpose: an instance member
/// would be a member of `JS` too, and hide the JavaScript name spelled the same.
///
///     extension Point: JSConvertible {                  // written as {"x":1.0,"y":2.0}
///         static func appendJS(_ p: Point, to code: inout String) {
///             [String: Double].appendJS(["x": p.x, "y": p.y], to: &code)
///         }
///     }
public protocol JSConvertible: Sendable {
    static func appendJS(_ value: Self, to code: inout String)
}

extension JSConvertible {
    /// The literal for any convertible value, also one held as `any JSConvertible`.
    static func literal(_ value: Self) -> String {
        var code = ""
        appendJS(value, to: &code)
        return code
    }
}

func jsLiteral(_ value: some JSConvertible) -> String {
    type(of: value).literal(value)
}

extension String: JSConvertible {
    public static func appendJS(_ value: String, to code: inout String) { code += JSONText.quote(value) }
}

extension Substring: JSConvertible {
    public static func appendJS(_ value: Substring, to code: inout String) { code += JSONText.quote(String(value)) }
}

extension Character: JSConvertible {
    public static func appendJS(_ value: Character, to code: inout String) { code += JSONText.quote(String(value)) }
}

extension Bool: JSConvertible {
    public static func appendJS(_ value: Bool, to code: inout String) { code += value ? "true" : "false" }
}

extension Int: JSConvertible {}
extension Int8: JSConvertible {}
extension Int16: JSConvertible {}
extension Int32: JSConvertible {}
extension Int64: JSConvertible {}
extension UInt: JSConvertible {}
extension UInt8: JSConvertible {}
extension UInt16: JSConvertible {}
extension UInt32: JSConvertible {}
extension UInt64: JSConvertible {}

extension JSConvertible where Self: BinaryInteger {
    public static func appendJS(_ value: Self, to code: inout String) { code += String(value) }
}

extension Double: JSConvertible {}
extension Float: JSConvertible {}

extension JSConvertible where Self: BinaryFloatingPoint & LosslessStringConvertible {
    public static func appendJS(_ value: Self, to code: inout String) {
        if value.isNaN { code += "NaN"; return }
        if value.isInfinite { code += value < 0 ? "-Infinity" : "Infinity"; return }
        // Swift's shortest round-trip form ("2.3", "1e-07") is valid JavaScript.
        code += value.description
    }
}

extension Optional: JSConvertible where Wrapped: JSConvertible {
    public static func appendJS(_ value: Wrapped?, to code: inout String) {
        if let value { Wrapped.appendJS(value, to: &code) } else { code += "null" }
    }
}

extension Array: JSConvertible where Element: JSConvertible {
    public static func appendJS(_ value: [Element], to code: inout String) {
        code += "["
        for (index, element) in value.enumerated() {
            if index > 0 { code += "," }
            Element.appendJS(element, to: &code)
        }
        code += "]"
    }
}

/// Keys are written sorted, so the same dictionary always gives the same code.
extension Dictionary: JSConvertible where Key == String, Value: JSConvertible {
    public static func appendJS(_ value: [String: Value], to code: inout String) {
        code += "{"
        for (index, key) in value.keys.sorted().enumerated() {
            if index > 0 { code += "," }
            code += JSONText.quote(key)
            code += ":"
            if let element = value[key] { Value.appendJS(element, to: &code) }
        }
        code += "}"
    }
}
