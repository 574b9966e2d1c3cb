import TetherJS
import XCTest

/// Any `Encodable` value goes into the builder as a JSON literal that cannot break out into code.
final class JSEncodableTests: XCTestCase {
    struct Reading: Encodable, Sendable {
        var room: String
        var celsius: Double
        var history: [Double] = []
    }

    struct Tricky: Encodable, Sendable {
        var text = "</script><script>alert(1)</script>\u{2028}\u{2029}\"\\"
    }

    func testAssignedAsJSONWithSortedKeys() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let reading = Reading(room: "kitchen", celsius: 20.5, history: [19, 20.25])
        js.reading = reading
        js.dom.out.dataset.last = reading
        XCTAssertEqual(recorder.statements, [
            #"reading={"celsius":20.5,"history":[19,20.25],"room":"kitchen"}"#,
            #"document.getElementById("out").dataset.last={"celsius":20.5,"history":[19,20.25],"room":"kitchen"}"#,
        ])
    }

    func testDictionaryOfListsAsInJyserversExample() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let data: [String: [Reading]] = ["b": [Reading(room: "x", celsius: 1)], "a": []]
        js.data = data
        js.arr[2] = Reading(room: "r", celsius: 0)
        js.obj["key"] = Reading(room: "s", celsius: -1)
        XCTAssertEqual(recorder.statements, [
            #"data={"a":[],"b":[{"celsius":1,"history":[],"room":"x"}]}"#,
            #"arr[2]={"celsius":0,"history":[],"room":"r"}"#,
            #"obj["key"]={"celsius":-1,"history":[],"room":"s"}"#,
        ])
    }

    func testNothingInAValueBreaksOutIntoCode() throws {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.t = Tricky()
        let expected = #"{"text":"\u003c/script>\u003cscript>alert(1)\u003c/script>\u2028\u2029\"\\"}"#
        XCTAssertEqual(recorder.statements, ["t=" + expected])
        XCTAssertEqual(JS.code(of: try JS(json: Tricky())), expected)
        XCTAssertFalse(recorder.statements[0].contains("<"))
    }

    func testPassedAsAnArgument() throws {
        let js = JS(sink: JSRecorder())
        let reading = Reading(room: "hall", celsius: 18)
        XCTAssertEqual(JS.code(of: try js.show(reading, 2, "x")), #"show({"celsius":18,"history":[],"room":"hall"},2,"x")"#)
        XCTAssertEqual(JS.code(of: js.plot(try JS(json: reading), js.dom.chart)),
                       #"plot({"celsius":18,"history":[],"room":"hall"},document.getElementById("chart"))"#)
    }

    func testNonFiniteInsideAValueThrowsAtTheArgumentAndTheExplicitConversion() {
        let js = JS(sink: JSRecorder())
        let bad = Reading(room: "attic", celsius: .infinity)
        XCTAssertThrowsError(try js.show(bad)) { error in
            XCTAssertEqual((error as? JSONEncodingError)?.type, "Reading")
            XCTAssertTrue("\(error)".contains("celsius"), "\(error)")
        }
        XCTAssertThrowsError(try JS(json: [Double.nan]))
    }

    func testNonFiniteAssignmentIsReportedAndNotSent() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.reading = Reading(room: "attic", celsius: .nan)
        XCTAssertEqual(recorder.statements, [])
        XCTAssertEqual(recorder.failed.count, 1)
        XCTAssertTrue(recorder.failed[0].hasPrefix("reading: cannot write a Reading as JSON"), recorder.failed[0])
    }

    func testBareNumbersKeepTheirJavaScriptLiterals() {
        // A plain Double is JSConvertible: NaN is a JavaScript number, not an error.
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let nan = Double.nan
        js.a = nan
        XCTAssertEqual(recorder.statements, ["a=NaN"])
    }

    func testDescribingABuilderGivesItsCode() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(String(describing: js.dom.count.innerHTML), #"document.getElementById("count").innerHTML"#)
        XCTAssertEqual("\(js.f(1, "a"))", #"f(1,"a")"#)
        // `description` is still JavaScript's: only `debugDescription` is Swift's.
        XCTAssertEqual(JS.code(of: js.dom.item.description), #"document.getElementById("item").description"#)
    }
}
