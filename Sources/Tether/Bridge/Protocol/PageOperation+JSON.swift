/// The wire form of page operations, which the page script applies (README "Commands on the wire"):
///
///     {"op":"assign","target":{"member":"innerHTML","of":{"element":"count"}},"value":{"value":10}}
///     {"op":"run","expr":{"call":{"global":"alert"},"args":[{"value":"hi"}]}}
///     {"op":"read","expr":{"global":"factor"}}
///
/// A command on the wire is these members plus `"seq"` (and `"id"` on reads).
extension PageOperation {
    public var json: JSONValue {
        switch self {
        case .assign(let target, let value):
            .object(["op": .string("assign"), "target": target.json, "value": value.json])
        case .run(let expression):
            .object(["op": .string("run"), "expr": expression.json])
        case .read(let expression):
            .object(["op": .string("read"), "expr": expression.json])
        }
    }

    /// Reads an operation from the members of a command (extra members such as `seq` are ignored).
    public init(json: JSONValue) throws(PageOperationDecodingError) {
        guard case .object(let members) = json else { throw .init("a command must be a JSON object") }
        guard let op = members["op"]?.stringValue else { throw .init("a command needs an \"op\" string") }
        switch op {
        case "assign":
            guard let target = members["target"], let value = members["value"] else {
                throw .init("an assign command needs \"target\" and \"value\"")
            }
            self = .assign(target: try JSExpression(json: target), value: try JSExpression(json: value))
        case "run", "read":
            guard let expression = members["expr"] else { throw .init("a \(op) command needs \"expr\"") }
            let parsed = try JSExpression(json: expression)
            self = op == "run" ? .run(parsed) : .read(parsed)
        default:
            throw .init("unknown op \"\(op.prefix(40))\" (expected assign, run or read)")
        }
    }
}

/// An operation or expression whose JSON does not have the documented shape.
public struct PageOperationDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { "invalid page command: \(message)" }
}

extension JSExpression {
    /// `{"global":"alert"}`, `{"element":"count"}`, `{"member":"x","of":E}`, `{"index":0,"of":E}`,
    /// `{"call":E,"args":[E…]}`, `{"value":V}`, `{"number":"NaN"}`, `{"array":[E…]}`,
    /// `{"object":[["key",E]…]}`, `{"callback":"name","args":[E…],"event":[["key"]…]}`, `{"code":"…"}`.
    public var json: JSONValue {
        switch self {
        case .global(let name): .object(["global": .string(name)])
        case .element(let id): .object(["element": .string(id)])
        case .member(let name, let base): .object(["member": .string(name), "of": base.json])
        case .index(let key, let base): .object(["index": key, "of": base.json])
        case .call(let callee, let arguments): .object(["call": callee.json, "args": .array(arguments.map(\.json))])
        case .literal(let value): .object(["value": value])
        case .nonFinite(let number): .object(["number": .string(number.rawValue)])
        case .array(let elements): .object(["array": .array(elements.map(\.json))])
        case .object(let entries): .object(["object": .array(entries.map { .array([.string($0.key), $0.value.json]) })])
        case .callback(let name, let arguments, let fields):
            .object([
                "callback": .string(name), "args": .array(arguments.map(\.json)),
                "event": .array(fields.map { .array($0.map(JSONValue.string)) }),
            ])
        case .code(let code): .object(["code": .string(code)])
        }
    }

    public init(json: JSONValue) throws(PageOperationDecodingError) {
        guard case .object(let members) = json else { throw .init("an expression must be a JSON object") }
        func string(_ key: String) throws(PageOperationDecodingError) -> String {
            guard let text = members[key]?.stringValue else { throw .init("\"\(key)\" must be a string") }
            return text
        }
        func expression(_ key: String) throws(PageOperationDecodingError) -> JSExpression {
            guard let value = members[key] else { throw .init("missing \"\(key)\"") }
            return try JSExpression(json: value)
        }
        func list(_ key: String) throws(PageOperationDecodingError) -> [JSExpression] {
            guard case .array(let items)? = members[key] else { throw .init("\"\(key)\" must be an array") }
            var out: [JSExpression] = []
            for item in items { out.append(try JSExpression(json: item)) }
            return out
        }
        if members["global"] != nil {
            self = .global(try string("global"))
        } else if members["element"] != nil {
            self = .element(try string("element"))
        } else if members["member"] != nil {
            self = .member(try string("member"), of: try expression("of"))
        } else if let key = members["index"] {
            switch key {
            case .number, .string: self = .index(key, of: try expression("of"))
            default: throw .init("\"index\" must be a number or a string")
            }
        } else if members["call"] != nil {
            self = .call(try expression("call"), try list("args"))
        } else if let value = members["value"] {
            self = .literal(value)
        } else if members["number"] != nil {
            let text = try string("number")
            guard let number = NonFiniteNumber(rawValue: text) else { throw .init("\"number\" must be NaN, Infinity or -Infinity") }
            self = .nonFinite(number)
        } else if members["array"] != nil {
            self = .array(try list("array"))
        } else if case .array(let pairs)? = members["object"] {
            var entries: [ObjectEntry] = []
            for pair in pairs {
                guard case .array(let parts) = pair, parts.count == 2, let key = parts[0].stringValue else {
                    throw .init("each \"object\" entry must be [key, expression]")
                }
                entries.append(ObjectEntry(key, try JSExpression(json: parts[1])))
            }
            self = .object(entries)
        } else if members["callback"] != nil {
            guard case .array(let paths)? = members["event"] else { throw .init("\"event\" must be an array") }
            var fields: [[String]] = []
            for path in paths {
                guard case .array(let parts) = path else { throw .init("each \"event\" field must be an array of names") }
                var names: [String] = []
                for part in parts {
                    guard let name = part.stringValue else { throw .init("each \"event\" field must be an array of names") }
                    names.append(name)
                }
                fields.append(names)
            }
            self = .callback(name: try string("callback"), arguments: try list("args"), eventFields: fields)
        } else if members["code"] != nil {
            self = .code(try string("code"))
        } else {
            throw .init("unknown expression (expected one of global, element, member, index, call, value, number, "
                + "array, object, callback, code)")
        }
    }
}

// The codec's hot path: every poll reply writes its commands. These give exactly the text of
// `json.jsonText` (members in the same sorted order) without building the dictionaries first;
// `PageOperationTests` holds the two to the same bytes.
extension PageOperation {
    /// The operation's members, after a command's `seq` and `id`.
    func writeMembers(to object: inout JSONObjectWriter) {
        switch self {
        case .assign(let target, let value):
            object.member("op", string: "assign")
            object.member("target", encoded: target.jsonText)
            object.member("value", encoded: value.jsonText)
        case .run(let expression), .read(let expression):
            object.member("expr", encoded: expression.jsonText)
            object.member("op", string: isRun ? "run" : "read")
        }
    }

    private var isRun: Bool {
        if case .run = self { return true }
        return false
    }
}

extension JSExpression {
    /// `json.jsonText`, written directly.
    var jsonText: String {
        var out = ""
        writeJSON(to: &out)
        return out
    }

    func writeJSON(to out: inout String) {
        switch self {
        case .global(let name): out += "{\"global\":" + JSONText.quote(name) + "}"
        case .element(let id): out += "{\"element\":" + JSONText.quote(id) + "}"
        case .member(let name, let base):
            out += "{\"member\":" + JSONText.quote(name) + ",\"of\":"
            base.writeJSON(to: &out)
            out += "}"
        case .index(let key, let base):
            out += "{\"index\":"
            key.write(to: &out)
            out += ",\"of\":"
            base.writeJSON(to: &out)
            out += "}"
        case .call(let callee, let arguments):
            out += "{\"args\":"
            Self.writeJSON(arguments, to: &out)
            out += ",\"call\":"
            callee.writeJSON(to: &out)
            out += "}"
        case .literal(let value):
            out += "{\"value\":"
            value.write(to: &out)
            out += "}"
        case .nonFinite(let number): out += "{\"number\":" + JSONText.quote(number.rawValue) + "}"
        case .array(let elements):
            out += "{\"array\":"
            Self.writeJSON(elements, to: &out)
            out += "}"
        case .object(let entries):
            out += "{\"object\":["
            for (index, entry) in entries.enumerated() {
                out += (index > 0 ? ",[" : "[") + JSONText.quote(entry.key) + ","
                entry.value.writeJSON(to: &out)
                out += "]"
            }
            out += "]}"
        case .callback, .code:
            json.write(to: &out)  // rare: not worth a second spelling
        }
    }

    private static func writeJSON(_ expressions: [JSExpression], to out: inout String) {
        out += "["
        for (index, expression) in expressions.enumerated() {
            if index > 0 { out += "," }
            expression.writeJSON(to: &out)
        }
        out += "]"
    }
}
