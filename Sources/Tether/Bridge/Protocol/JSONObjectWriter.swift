/// Writes one JSON object with its members in the order given (a `JSONValue` object sorts
/// them), strings escaped as `JSONText.quote` does. Only `ProtocolCodec` writes the wire.
struct JSONObjectWriter {
    private var text = "{"
    private var empty = true

    init() {}

    private mutating func key(_ name: String) {
        if !empty { text += "," }
        empty = false
        text += JSONText.quote(name)
        text += ":"
    }

    mutating func member(_ name: String, _ value: JSONValue) {
        key(name)
        value.write(to: &text)
    }

    mutating func member(_ name: String, string: String) {
        key(name)
        text += JSONText.quote(string)
    }

    mutating func member(_ name: String, int: Int) {
        key(name)
        text += String(int)
    }

    mutating func member(_ name: String, double: Double) {
        key(name)
        text += double.isFinite ? String(double) : "null"
    }

    mutating func member(_ name: String, bool: Bool) {
        key(name)
        text += bool ? "true" : "false"
    }

    /// `encoded` is one JSON value already written (an object, an array, an encoder's output).
    mutating func member(_ name: String, encoded: String) {
        key(name)
        text += encoded
    }

    /// Every member of `object` in key order (a `JSONValue` object's members).
    mutating func members(of object: JSONValue) {
        guard case .object(let members) = object else { return }
        for name in members.keys.sorted() {
            if let value = members[name] { member(name, value) }
        }
    }

    /// The object's text; the writer is done.
    consuming func finish() -> String { text + "}" }
}

/// `[a,b,…]` of values written by `write`.
func jsonArray<Element>(_ elements: some Sequence<Element>, _ write: (Element) -> String) -> String {
    var out = "["
    var first = true
    for element in elements {
        if !first { out += "," }
        first = false
        out += write(element)
    }
    return out + "]"
}
