import XCTest
@testable import TetherBridge
@testable import TetherJS

/// What the builder sends: operations over expressions, data the page applies without eval.
final class JSOperationsTests: XCTestCase {
    private let count = JSExpression.member("innerHTML", of: .element("count"))

    private func recorded(_ build: (JS) -> Void) -> [PageOperation] {
        let recorder = JSRecorder()
        build(JS(sink: recorder))
        return recorder.operations
    }

    func testPlainWritesAreAssignmentsOfJSONLiterals() {
        let operations = recorded { js in
            js.dom.count.innerHTML = 10
            js.data = ["a": 15.4, "c": [5, 4, 6]]
            js.arr[0] = "x"
            js.obj["k"] = nil
        }
        XCTAssertEqual(operations, [
            .assign(target: count, value: .literal(.number("10"))),
            .assign(target: .global("data"), value: .literal(.object(["a": .number("15.4"), "c": .array([.number("5"), .number("4"), .number("6")])]))),
            .assign(target: .index(.number("0"), of: .global("arr")), value: .literal(.string("x"))),
            .assign(target: .index(.string("k"), of: .global("obj")), value: .literal(.null)),
        ])
        XCTAssertFalse(operations.contains(where: \.needsEval))
    }

    func testRuntimeValuesAndEncodablesAreLiteralsToo() {
        struct Reading: Encodable, Sendable { let celsius: Double; let label: String }
        let names = ["b", "a"], maybe: Int? = nil, table = ["z": 1, "a": 2]
        let operations = recorded { js in
            js.names = names
            js.maybe = maybe
            js.table = table
            js.reading = Reading(celsius: 20.5, label: "</script>")
        }
        XCTAssertEqual(operations.map(\.code), [
            #"names=["b","a"]"#, "maybe=null", #"table={"a":2,"z":1}"#, #"reading={"celsius":20.5,"label":"\u003c/script>"}"#,
        ])
        XCTAssertFalse(operations.contains(where: \.needsEval))
        XCTAssertEqual(operations.last, .assign(target: .global("reading"), value: .literal(.object([
            "celsius": .number("20.5"), "label": .string("</script>"),
        ]))))
    }

    func testOrderWrittenIsKeptAsAnObjectOfEntries() {
        XCTAssertEqual(recorded { $0.order = ["z": 1, "a": JS(code: "f()")] }, [
            .assign(target: .global("order"), value: .object([.init("z", .literal(.number("1"))), .init("a", .code("f()"))])),
        ])
    }

    func testNonFiniteNumbersHaveTheirOwnForm() {
        let operations = recorded { js in
            js.a = Double.nan
            js.b = [1.0, -Double.infinity]
            js.c = Float.infinity
        }
        XCTAssertEqual(operations, [
            .assign(target: .global("a"), value: .nonFinite(.nan)),
            .assign(target: .global("b"), value: .array([.literal(.number("1.0")), .nonFinite(.negativeInfinity)])),
            .assign(target: .global("c"), value: .nonFinite(.infinity)),
        ])
        XCTAssertEqual(operations.map(\.code), ["a=NaN", "b=[1.0,-Infinity]", "c=Infinity"])
    }

    func testCallsAreCallsOfPathsWithArgumentExpressions() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(js.console.log("a", 1)._expression,
                       .call(.member("log", of: .global("console")), [.literal(.string("a")), .literal(.number("1"))]))
        XCTAssertEqual(js.dom.name.focus()._expression, .call(.member("focus", of: .element("name")), []))
        XCTAssertEqual(js.total.value._expression, .member("value", of: .global("total")))
        XCTAssertEqual(js.dom[5]._expression,
                       .call(.member("getElementById", of: .global("document")), [.literal(.number("5"))]))
    }

    func testOnlyRawCodeNeedsEval() {
        let operations = recorded { js in
            js.when = JS(code: "new Date()")
            js.list = [1, JS(code: "x + 1")]
            js.f = js.g(js.h.i)
        }
        XCTAssertEqual(operations.map(\.needsEval), [true, true, false])
        XCTAssertEqual(operations.map(\.code), ["when=new Date()", "list=[1,x + 1]", "f=g(h.i)"])
    }

    func testACustomConvertibleIsDataWhenItWritesJSON() {
        struct Point: JSConvertible {
            let x: Double, y: Double
            static func appendJS(_ p: Point, to code: inout String) { [String: Double].appendJS(["x": p.x, "y": p.y], to: &code) }
        }
        struct Now: JSConvertible {
            static func appendJS(_ value: Now, to code: inout String) { code += "Date.now()" }
        }
        let operations = recorded { js in
            js.p = Point(x: 1, y: 2)
            js.t = Now()
        }
        XCTAssertEqual(operations, [
            .assign(target: .global("p"), value: .literal(.object(["x": .number("1.0"), "y": .number("2.0")]))),
            .assign(target: .global("t"), value: .code("Date.now()")),
        ])
    }
}
