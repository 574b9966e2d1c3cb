import TetherHTTP

/// A JSON value as the browser sent it. Numbers keep their text, so `125` stays an integer
/// and `1.5` is never silently made one; `true` is never `1`.
public enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value as an `Int` if it is a JSON integer that fits.
    public var intValue: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }

    /// Compact JSON text (strings escaped as `JSONText.quote` does; keys sorted).
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    public var description: String { jsonText }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): out += JSONText.quote(text)
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                out += JSONText.quote(key)
                out += ":"
                members[key]?.write(to: &out)
            }
            out += "}"
        }
    }
}
