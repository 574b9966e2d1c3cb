import TetherBridge

/// A JavaScript expression built with Swift syntax.
///
///     js.dom.count.innerHTML = 10          // document.getElementById("count").innerHTML=10
///     js.data = ["a": 15.4, "c": [5, 4, 6]] // data={"a":15.4,"c":[5,4,6]}
///     page.run(js.alert("hi"))              // a call is sent by the page, not by itself
///
/// An assignment is queued on the page the builder came from. A call or member read only
/// builds an expression; `page.run` sends it and `page.eval` reads its value.
///
/// `JS` has no public instance members of its own (only subscripts, the call hook and
/// `debugDescription`): any would hide the JavaScript name spelled the same, as
/// `js.dom.input.value` must reach `value`. Reading a value into Swift does not compile;
/// `page.eval` reads.
@dynamicMemberLookup
@dynamicCallable
public struct JS: Sendable {
    package let _code: String
    package let _sink: (any JSSink)?
    /// True only for `js.dom`, whose members are element ids.
    package let _isDOMRoot: Bool
    /// False once the expression calls a function: assigning to it then has effects of its
    /// own, so a full outbox must not coalesce it away. `getElementById` lookups stay pure.
    package let _isPure: Bool

    package init(_code: String, sink: (any JSSink)?, isDOMRoot: Bool = false, isPure: Bool = true) {
        self._code = _code
        self._sink = sink
        self._isDOMRoot = isDOMRoot
        self._isPure = isPure
    }

    /// A root builder whose assignments go to `sink`.
    public init(sink: any JSSink) {
        self.init(_code: "", sink: sink)
    }

    /// A Swift value as a JavaScript literal: `["a": JS(x), "b": JS(n)]`.
    public init(_ value: some JSConvertible) {
        self.init(_code: jsLiteral(value), sink: nil)
    }

    /// Code taken as it is, for what the builder cannot spell (`JS(code: "new Date()")`).
    /// Never put untrusted text here.
    public init(code: String) {
        self.init(_code: code, sink: nil, isPure: false)  // unknown code may have effects
    }

    /// Any `Encodable` value as a JSON literal (keys sorted, `<`, U+2028, U+2029 escaped):
    /// `js.data = try JS(json: reading)` throws at the assignment when JSON cannot hold it.
    public init(json value: some Encodable) throws(JSONEncodingError) {
        self.init(_code: try JSONLiteral.code(of: value, strict: true), sink: nil)
    }

    /// The code of an expression, for logs and tests: `JS.code(of: js.a.b)` is `a.b`.
    public static func code(of js: JS) -> String { js._code }

    // MARK: Members

    private func member(_ name: String) -> JS {
        if _isDOMRoot { return element(JSONText.quote(name)) }
        if _code.isEmpty {
            if name == "dom" { return JS(_code: "", sink: _sink, isDOMRoot: true) }
            return JS(_code: name, sink: _sink)
        }
        return JS(_code: _code + "." + name, sink: _sink, isPure: _isPure)
    }

    private func element(_ quotedID: String) -> JS {
        JS(_code: "document.getElementById(\(quotedID))", sink: _sink)
    }

    private func index(_ literal: String) -> JS {
        if _isDOMRoot { return element(literal) }
        return JS(_code: _code + "[" + literal + "]", sink: _sink, isPure: _isPure)
    }

    private func assign(_ target: JS, _ value: JS) {
        assign(target, value._code, valueIsPure: value._isPure)
    }

    private func assign(_ target: JS, _ valueCode: String, valueIsPure: Bool = true) {
        // A builder made by `JS(code:)` or from a value has no page: there is nowhere to send it.
        guard let sink = target._sink ?? _sink else { return }
        // `js.dom = x` names a variable called dom, not the shorthand.
        let left = target._isDOMRoot ? "dom" : target._code
        sink.queue(statement: left + "=" + valueCode, assignmentTarget: target._isPure && valueIsPure ? left : nil)
    }

    public subscript(dynamicMember name: String) -> JS {
        get { member(name) }
        nonmutating set { assign(member(name), newValue) }
    }

    // The generic subscripts below take runtime values. Their getters are unavailable, so a
    // line that reads a JavaScript value into a Swift value does not compile: reads go
    // through `page.eval`. (`@_disfavoredOverload` keeps literals on the `JS` path above.)

    /// Assigning a runtime value: `js.factor = someDouble`.
    @_disfavoredOverload
    public subscript<Value: JSConvertible>(dynamicMember name: String) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(member(name), jsLiteral(newValue)) }
    }

    /// Assigning any `Encodable` value: `js.reading = reading` is `reading={"celsius":20.5}`.
    /// A value JSON cannot hold (NaN, infinity) is not sent; the page's sink reports it
    /// (`page.onError`). `js.reading = try JS(json: reading)` throws instead.
    @_disfavoredOverload
    public subscript<Value: Encodable & Sendable>(dynamicMember name: String) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(member(name), encoding: newValue) }
    }

    /// `js.arr[0]`, `js.dom["my-id"]`.
    public subscript(index: Int) -> JS {
        get { self.index(String(index)) }
        nonmutating set { assign(self.index(String(index)), newValue) }
    }

    public subscript(key: String) -> JS {
        get { index(JSONText.quote(key)) }
        nonmutating set { assign(index(JSONText.quote(key)), newValue) }
    }

    @_disfavoredOverload
    public subscript<Value: JSConvertible>(index: Int) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(self.index(String(index)), jsLiteral(newValue)) }
    }

    @_disfavoredOverload
    public subscript<Value: Encodable & Sendable>(index: Int) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(self.index(String(index)), encoding: newValue) }
    }

    @_disfavoredOverload
    public subscript<Value: JSConvertible>(key: String) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(index(JSONText.quote(key)), jsLiteral(newValue)) }
    }

    @_disfavoredOverload
    public subscript<Value: Encodable & Sendable>(key: String) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(index(JSONText.quote(key)), encoding: newValue) }
    }

    /// An `Encodable` value as its literal; one JSON cannot hold is reported and not sent.
    private func assign(_ target: JS, encoding value: some Encodable & Sendable) {
        do {
            assign(target, try JSONLiteral.code(of: value))
        } catch {
            let left = target._isDOMRoot ? "dom" : target._code
            (target._sink ?? _sink)?.report(unencodable: error, target: left)
        }
    }

    // MARK: Calls

    /// `js.console.log("a", 1, x)` is `console.log("a",1,x)`.
    public func dynamicallyCall(withArguments arguments: [any JSConvertible]) -> JS {
        call(arguments.map { jsLiteral($0) })
    }

    /// Arguments that include an `Encodable` value: `try js.show(reading)`. Throws when a
    /// value cannot be written as JSON (NaN, infinity). Mixing in a builder value needs
    /// `try JS(json: reading)` for the `Encodable` one.
    @_disfavoredOverload
    public func dynamicallyCall(withArguments arguments: [any Encodable & Sendable]) throws(JSONEncodingError) -> JS {
        var literals: [String] = []
        for argument in arguments { literals.append(try JSONLiteral.code(of: argument)) }
        return call(literals)
    }

    private func call(_ literals: [String]) -> JS {
        JS(_code: _code + "(" + literals.joined(separator: ",") + ")", sink: _sink, isPure: false)
    }
}

/// `String(describing: js.a.b)` and `print(js.a.b)` give the code, `a.b`. This is the one
/// member JS has of its own: `debugDescription`, a name no page uses, where
/// `CustomStringConvertible` would take `description` from JavaScript.
extension JS: CustomDebugStringConvertible {
    public var debugDescription: String { _code }
}

/// A builder inside another expression is its code: `js.a = js.b.c` is `a=b.c`.
extension JS: JSConvertible {
    public static func appendJS(_ value: JS, to code: inout String) { code += value._code }
}

extension JS: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }
    public init(booleanLiteral value: Bool) { self.init(value) }
    public init(stringLiteral value: String) { self.init(value) }
    public init(nilLiteral: ()) { self.init(_code: "null", sink: nil) }

    public init(arrayLiteral elements: JS...) {
        self.init(_code: "[" + elements.map(\._code).joined(separator: ",") + "]", sink: nil,
                  isPure: elements.allSatisfy(\._isPure))
    }

    /// Keeps the order written, unlike a Swift dictionary.
    public init(dictionaryLiteral elements: (String, JS)...) {
        self.init(_code: "{" + elements.map { JSONText.quote($0.0) + ":" + $0.1._code }.joined(separator: ",") + "}", sink: nil,
                  isPure: elements.allSatisfy(\.1._isPure))
    }
}
