import TetherBridge
import TetherHTTP

/// A JavaScript expression built with Swift syntax.
///
///     js.dom.count.innerHTML = 10          // document.getElementById("count").innerHTML=10
///     js.data = ["a": 15.4, "c": [5, 4, 6]] // data={"a":15.4,"c":[5,4,6]}
///     page.run(js.alert("hi"))              // a call is sent by the page, not by itself
///
/// An assignment is queued on the page the builder came from. A call or member read only
/// builds an expression; `page.run` sends it and `page.eval` reads its value. What is sent is
/// a `JSExpression`, data the page applies without `eval`; only `JS(code:)` inside one needs it.
///
/// `JS` has no public instance members of its own (only subscripts, the call hook and
/// `debugDescription`): any would hide the JavaScript name spelled the same, as
/// `js.dom.input.value` must reach `value`. Reading a value into Swift does not compile;
/// `page.eval` reads.
@dynamicMemberLookup
@dynamicCallable
public struct JS: Sendable {
    /// nil for a root builder, whose code is empty.
    package let _expression: JSExpression?
    package let _sink: (any JSSink)?
    /// True only for `js.dom`, whose members are element ids.
    package let _isDOMRoot: Bool
    /// False once the expression calls a function: assigning to it then has effects of its
    /// own, so a full outbox must not coalesce it away. `getElementById` lookups stay pure.
    package let _isPure: Bool

    package init(_expression: JSExpression?, sink: (any JSSink)?, isDOMRoot: Bool = false, isPure: Bool = true) {
        self._expression = _expression
        self._sink = sink
        self._isDOMRoot = isDOMRoot
        self._isPure = isPure
    }

    /// A root builder whose assignments go to `sink`.
    public init(sink: any JSSink) {
        self.init(_expression: nil, sink: sink)
    }

    /// A Swift value as a JavaScript literal: `["a": JS(x), "b": JS(n)]`.
    public init(_ value: some JSConvertible) {
        self.init(_expression: jsExpression(value), sink: nil)
    }

    /// Code taken as it is, for what the builder cannot spell (`JS(code: "new Date()")`).
    /// Never put untrusted text here.
    public init(code: String) {
        self.init(_expression: .code(code), sink: nil, isPure: false)  // unknown code may have effects
    }

    /// Any `Encodable` value as a JSON literal (keys sorted, `<`, U+2028, U+2029 escaped):
    /// `js.data = try JS(json: reading)` throws at the assignment when JSON cannot hold it.
    public init(json value: some Encodable) throws(JSONEncodingError) {
        self.init(_expression: try JSONLiteral.expression(of: value, strict: true), sink: nil)
    }

    /// The code of an expression, for logs and tests: `JS.code(of: js.a.b)` is `a.b`.
    public static func code(of js: JS) -> String { js._expression?.code ?? "" }

    /// The expression as data: `.global("a")` for `js.a`; `.code("")` for a root builder.
    package var _expressionOrEmpty: JSExpression { _expression ?? .code("") }

    // MARK: Members

    private func member(_ name: String) -> JS {
        if _isDOMRoot { return JS(_expression: .element(name), sink: _sink) }
        guard let base = _expression else {
            if name == "dom" { return JS(_expression: nil, sink: _sink, isDOMRoot: true) }
            return JS(_expression: .global(name), sink: _sink)
        }
        return JS(_expression: .member(name, of: base), sink: _sink, isPure: _isPure)
    }

    private func index(_ key: JSONValue) -> JS {
        if _isDOMRoot {
            guard case .string(let id) = key else {
                // `js.dom[5]`: the lookup by a numeric id, spelled as before; still pure.
                let lookup = JSExpression.member("getElementById", of: .global("document"))
                return JS(_expression: .call(lookup, [.literal(key)]), sink: _sink)
            }
            return JS(_expression: .element(id), sink: _sink)
        }
        return JS(_expression: .index(key, of: _expressionOrEmpty), sink: _sink, isPure: _isPure)
    }

    private func assign(_ target: JS, _ value: JS) {
        assign(target, value._expressionOrEmpty, valueIsPure: value._isPure)
    }

    private func assign(_ target: JS, _ value: JSExpression, valueIsPure: Bool = true) {
        // A builder made by `JS(code:)` or from a value has no page: there is nowhere to send it.
        guard let sink = target._sink ?? _sink else { return }
        // `js.dom = x` names a variable called dom, not the shorthand.
        let left = target._isDOMRoot ? JSExpression.global("dom") : target._expressionOrEmpty
        let operation = PageOperation.assign(target: left, value: value)
        sink.queue(operation, coalescingKey: target._isPure && valueIsPure ? left.code : nil)
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
        nonmutating set { assign(member(name), jsExpression(newValue)) }
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
        get { self.index(.number(String(index))) }
        nonmutating set { assign(self.index(.number(String(index))), newValue) }
    }

    public subscript(key: String) -> JS {
        get { index(.string(key)) }
        nonmutating set { assign(index(.string(key)), newValue) }
    }

    @_disfavoredOverload
    public subscript<Value: JSConvertible>(index: Int) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(self.index(.number(String(index))), jsExpression(newValue)) }
    }

    @_disfavoredOverload
    public subscript<Value: Encodable & Sendable>(index: Int) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(self.index(.number(String(index))), encoding: newValue) }
    }

    @_disfavoredOverload
    public subscript<Value: JSConvertible>(key: String) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(index(.string(key)), jsExpression(newValue)) }
    }

    @_disfavoredOverload
    public subscript<Value: Encodable & Sendable>(key: String) -> Value {
        @available(*, unavailable, message: "a JavaScript value is read with page.eval(js.…, as: T.self)")
        get { fatalError("unreachable: the getter is unavailable") }
        nonmutating set { assign(index(.string(key)), encoding: newValue) }
    }

    /// An `Encodable` value as its literal; one JSON cannot hold is reported and not sent.
    private func assign(_ target: JS, encoding value: some Encodable & Sendable) {
        do {
            assign(target, try JSONLiteral.expression(of: value))
        } catch {
            let left = target._isDOMRoot ? "dom" : JS.code(of: target)
            (target._sink ?? _sink)?.report(unencodable: error, target: left)
        }
    }

    // MARK: Calls

    /// `js.console.log("a", 1, x)` is `console.log("a",1,x)`.
    public func dynamicallyCall(withArguments arguments: [any JSConvertible]) -> JS {
        call(arguments.map { jsExpression($0) })
    }

    /// Arguments that include an `Encodable` value: `try js.show(reading)`. Throws when a
    /// value cannot be written as JSON (NaN, infinity). Mixing in a builder value needs
    /// `try JS(json: reading)` for the `Encodable` one.
    @_disfavoredOverload
    public func dynamicallyCall(withArguments arguments: [any Encodable & Sendable]) throws(JSONEncodingError) -> JS {
        var values: [JSExpression] = []
        for argument in arguments { values.append(try JSONLiteral.expression(of: argument)) }
        return call(values)
    }

    private func call(_ arguments: [JSExpression]) -> JS {
        JS(_expression: .call(_expressionOrEmpty, arguments), sink: _sink, isPure: false)
    }
}

/// `String(describing: js.a.b)` and `print(js.a.b)` give the code, `a.b`. This is the one
/// member JS has of its own: `debugDescription`, a name no page uses, where
/// `CustomStringConvertible` would take `description` from JavaScript.
extension JS: CustomDebugStringConvertible {
    public var debugDescription: String { JS.code(of: self) }
}

/// A builder inside another expression is its code: `js.a = js.b.c` is `a=b.c`.
extension JS: JSConvertible {
    public static func appendJS(_ value: JS, to code: inout String) { code += JS.code(of: value) }
}

extension JS: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }
    public init(booleanLiteral value: Bool) { self.init(value) }
    public init(stringLiteral value: String) { self.init(value) }
    public init(nilLiteral: ()) { self.init(_expression: .literal(.null), sink: nil) }

    public init(arrayLiteral elements: JS...) {
        self.init(_expression: .collapsed(array: elements.map(\._expressionOrEmpty)), sink: nil,
                  isPure: elements.allSatisfy(\._isPure))
    }

    /// Keeps the order written, unlike a Swift dictionary.
    public init(dictionaryLiteral elements: (String, JS)...) {
        self.init(_expression: .collapsed(object: elements.map { .init($0.0, $0.1._expressionOrEmpty) }), sink: nil,
                  isPure: elements.allSatisfy(\.1._isPure))
    }
}
