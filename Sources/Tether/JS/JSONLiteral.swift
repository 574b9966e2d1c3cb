import FoundationEssentials
import TetherBridge
import TetherHTTP

/// Why a Swift value could not become a JavaScript literal: JSON cannot hold it
/// (NaN or infinity inside an `Encodable` value), or its `encode(to:)` threw.
public struct JSONEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Swift type that was being written.
    public let type: String
    /// Where in the value, and what went wrong.
    public let reason: String

    public var description: String { "cannot write a \(type) as JSON: \(reason)" }
}

/// `Encodable` values as JSON literals that are safe inside a script.
enum JSONLiteral {
    /// A `JSConvertible` value keeps its own literal (a bare `Double.nan` is `NaN`) unless
    /// `strict`; any other value is JSON with sorted keys, and `<`, U+2028 and U+2029 escaped as
    /// `JSONText.quote` does, so no string in it can end a script or a line.
    static func code(of value: some Encodable, strict: Bool = false) throws(JSONEncodingError) -> String {
        if !strict, let convertible = value as? any JSConvertible { return jsLiteral(convertible) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw JSONEncodingError(type: "\(type(of: value))", reason: Self.reason(error))
        }
        return JSONText.escapingScriptBreakers(in: String(decoding: data, as: UTF8.self))
    }

    /// The same value as an expression: a JSON literal (raw code only if it does not read back).
    static func expression(of value: some Encodable, strict: Bool = false) throws(JSONEncodingError) -> JSExpression {
        if !strict, let convertible = value as? any JSConvertible { return jsExpression(convertible) }
        let code = try code(of: value, strict: true)
        guard let parsed = try? JSONParser.parse(code) else { return .code(code) }
        return .literal(parsed)
    }

    private static func reason(_ error: any Error) -> String {
        guard let error = error as? EncodingError, case .invalidValue(_, let context) = error else { return "\(error)" }
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? context.debugDescription : "\(context.debugDescription) (at \(path))"
    }
}
