import XCTest
@testable import TetherBridge

/// The command model: every expression's code text, its JSON form, and decoding it back.
final class PageOperationTests: XCTestCase {
    private let count = JSExpression.member("innerHTML", of: .element("count"))

    private var everyForm: [JSExpression] {
        [
            .global("factor"), .element("my-id"), count, .index(.number("0"), of: .global("arr")),
            .index(.string("k"), of: .global("a")),
            .call(.member("log", of: .global("console")), [.literal(.string("a")), .literal(.number("1"))]),
            .literal(.object(["b": .array([.bool(true), .null])])), .nonFinite(.nan), .nonFinite(.negativeInfinity),
            .array([.literal(.number("1")), .nonFinite(.infinity)]),
            .object([.init("z", .literal(.number("1"))), .init("a", .global("x"))]),
            .callback(name: "typed", arguments: [.literal(.string("entry"))], eventFields: [["key"], ["target", "value"]]),
            .code("new Date()"),
        ]
    }

    func testCodeIsTheJavaScriptTheBuilderSpells() {
        XCTAssertEqual(everyForm.map(\.code), [
            "factor", #"document.getElementById("my-id")"#, #"document.getElementById("count").innerHTML"#, "arr[0]",
            #"a["k"]"#, #"console.log("a",1)"#, #"{"b":[true,null]}"#, "NaN", "-Infinity", "[1,Infinity]",
            #"{"z":1,"a":x}"#,
            #"(function(e){return tether.callback("typed",["entry"],[["key"],["target","value"]],e)})"#, "new Date()",
        ])
        XCTAssertEqual(PageOperation.assign(target: count, value: .literal(.number("10"))).code,
                       #"document.getElementById("count").innerHTML=10"#)
        XCTAssertEqual(PageOperation.reload.code, "location.reload()")
    }

    func testEveryFormSurvivesItsJSON() throws {
        for expression in everyForm {
            for operation in [PageOperation.run(expression), .read(expression), .assign(target: count, value: expression)] {
                let text = operation.json.jsonText
                XCTAssertEqual(try PageOperation(json: JSONParser.parse(text)), operation, text)
            }
        }
    }

    /// The codec writes commands directly, not through `json`: the same bytes, every form.
    func testTheCodecsDirectWritingGivesTheSameTextAsTheJSONForm() {
        for expression in everyForm {
            XCTAssertEqual(expression.jsonText, expression.json.jsonText)
            for operation in [PageOperation.run(expression), .read(expression), .assign(target: count, value: expression)] {
                var object = JSONObjectWriter()
                operation.writeMembers(to: &object)
                XCTAssertEqual(object.finish(), operation.json.jsonText)
            }
        }
    }

    func testWireFormOfEachOperation() {
        XCTAssertEqual(PageOperation.assign(target: count, value: .literal(.number("10"))).json.jsonText,
                       #"{"op":"assign","target":{"member":"innerHTML","of":{"element":"count"}},"value":{"value":10}}"#)
        XCTAssertEqual(PageOperation.run(.call(.global("alert"), [.literal(.string("hi"))])).json.jsonText,
                       #"{"expr":{"args":[{"value":"hi"}],"call":{"global":"alert"}},"op":"run"}"#)
        XCTAssertEqual(PageOperation.read(.global("factor")).json.jsonText, #"{"expr":{"global":"factor"},"op":"read"}"#)
    }

    func testOnlyRawCodeNeedsEval() {
        XCTAssertEqual(everyForm.filter(\.needsEval), [.code("new Date()")])
        XCTAssertTrue(PageOperation.run(.call(.global("f"), [.code("x")])).needsEval)
        XCTAssertFalse(PageOperation.assign(target: count, value: .nonFinite(.nan)).needsEval)
    }

    func testMalformedCommandsAreRefusedWithTheReason() {
        let cases: [(String, String)] = [
            (#"[1]"#, "a command must be a JSON object"),
            (#"{"seq":1}"#, #"a command needs an "op" string"#),
            (#"{"op":"jump"}"#, #"unknown op "jump""#),
            (#"{"op":"assign","target":{"global":"a"}}"#, #"an assign command needs "target" and "value""#),
            (#"{"op":"run","expr":{"nope":1}}"#, "unknown expression"),
            (#"{"op":"run","expr":{"member":"a"}}"#, #"missing "of""#),
            (#"{"op":"run","expr":{"index":true,"of":{"global":"a"}}}"#, #""index" must be a number or a string"#),
            (#"{"op":"run","expr":{"number":"1"}}"#, #""number" must be NaN, Infinity or -Infinity"#),
            (#"{"op":"run","expr":{"object":[["a"]]}}"#, "each \"object\" entry must be [key, expression]"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try PageOperation(json: JSONParser.parse(text)), text) { error in
                let message = (error as? PageOperationDecodingError)?.description ?? "\(error)"
                XCTAssertTrue(message.contains(reason), "\(text): \(message)")
            }
        }
    }
}
