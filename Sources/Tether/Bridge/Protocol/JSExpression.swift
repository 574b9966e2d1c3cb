import TetherHTTP

/// A JavaScript expression as data: what the page script evaluates without `eval`, except
/// `.code`, which is raw JavaScript and needs it.
///
///     .member("innerHTML", of: .element("count"))   // document.getElementById("count").innerHTML
///     .call(.member("log", of: .global("console")), [.literal(.string("hi"))])   // console.log("hi")
public indirect enum JSExpression: Sendable, Equatable {
    /// A property of `window`: `alert`, `factor`.
    case global(String)
    /// `document.getElementById(id)`, which `js.dom.id` spells.
    case element(String)
    /// `base.name`.
    case member(String, of: JSExpression)
    /// `base[key]`, the key a JSON number or string: `arr[0]`, `a["my-key"]`.
    case index(JSONValue, of: JSExpression)
    /// `callee(arguments…)`, with `this` bound to the callee's base object.
    case call(JSExpression, [JSExpression])
    /// A JSON value.
    case literal(JSONValue)
    /// `NaN`, `Infinity` or `-Infinity`, which JSON cannot hold.
    case nonFinite(NonFiniteNumber)
    /// `[a, b]`.
    case array([JSExpression])
    /// `{"a": x, "b": y}`, in the order written.
    case object([ObjectEntry])
    /// A function value that calls the app's exposed method `name` with `arguments` (evaluated
    /// when it is called), then each field path read from its first argument, the event.
    case callback(name: String, arguments: [JSExpression], eventFields: [[String]])
    /// Raw JavaScript (`JS(code:)`): the one form the page runs with `eval`.
    case code(String)

    public struct ObjectEntry: Sendable, Equatable {
        public var key: String
        public var value: JSExpression

        public init(_ key: String, _ value: JSExpression) {
            self.key = key
            self.value = value
        }
    }

    public enum NonFiniteNumber: String, Sendable, Equatable, CaseIterable {
        case nan = "NaN"
        case infinity = "Infinity"
        case negativeInfinity = "-Infinity"
    }

    /// Whether the page needs `eval` to evaluate it: true when raw code is anywhere inside.
    public var needsEval: Bool {
        switch self {
        case .global, .element, .literal, .nonFinite: false
        case .code: true
        case .member(_, let base), .index(_, let base): base.needsEval
        case .call(let callee, let arguments): callee.needsEval || arguments.contains(where: \.needsEval)
        case .array(let elements): elements.contains(where: \.needsEval)
        case .object(let entries): entries.contains { $0.value.needsEval }
        case .callback(_, let arguments, _): arguments.contains(where: \.needsEval)
        }
    }

    /// The same expression as JavaScript source, for logs, tests and error reports.
    public var code: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .global(let name):
            out += name
        case .element(let id):
            out += "document.getElementById(" + JSONText.quote(id) + ")"
        case .member(let name, let base):
            base.write(to: &out)
            out += "." + name
        case .index(let key, let base):
            base.write(to: &out)
            out += "["
            key.write(to: &out)
            out += "]"
        case .call(let callee, let arguments):
            callee.write(to: &out)
            Self.write(arguments, open: "(", close: ")", to: &out)
        case .literal(let value):
            value.write(to: &out)
        case .nonFinite(let number):
            out += number.rawValue
        case .array(let elements):
            Self.write(elements, open: "[", close: "]", to: &out)
        case .object(let entries):
            out += "{"
            for (index, entry) in entries.enumerated() {
                if index > 0 { out += "," }
                out += JSONText.quote(entry.key) + ":"
                entry.value.write(to: &out)
            }
            out += "}"
        case .callback(let name, let arguments, let fields):
            out += "(function(e){return tether.callback(" + JSONText.quote(name) + ","
            Self.write(arguments, open: "[", close: "]", to: &out)
            out += ",["
            out += fields.map { "[" + $0.map(JSONText.quote).joined(separator: ",") + "]" }.joined(separator: ",")
            out += "],e)})"
        case .code(let code):
            out += code
        }
    }

    private static func write(_ list: [JSExpression], open: String, close: String, to out: inout String) {
        out += open
        for (index, element) in list.enumerated() {
            if index > 0 { out += "," }
            element.write(to: &out)
        }
        out += close
    }
}
