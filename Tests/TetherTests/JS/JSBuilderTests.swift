import Synchronization
import XCTest
@testable import TetherJS

/// Records each statement with the assignment target the builder reported for it.
private final class TargetRecorder: JSSink {
    private let recorded = Mutex<[(statement: String, target: String?)]>([])

    func queue(statement: String, assignmentTarget: String?) {
        recorded.withLock { $0.append((statement, assignmentTarget)) }
    }

    var targets: [String?] { recorded.withLock { $0.map(\.target) } }
    var statements: [String] { recorded.withLock { $0.map(\.statement) } }
}

final class JSBuilderTests: XCTestCase {
    // MARK: The forms of design.md

    func testCallResultMemberAssignment() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.document.getElementById("count").innerHTML = 10
        XCTAssertEqual(recorder.statements, [#"document.getElementById("count").innerHTML=10"#])
    }

    func testDomShorthandBecomesGetElementById() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.dom.count.innerHTML = "hi"
        XCTAssertEqual(recorder.statements, [#"document.getElementById("count").innerHTML="hi""#])
    }

    func testFloatLiteralAssignment() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.factor = 2.3
        XCTAssertEqual(recorder.statements, ["factor=2.3"])
    }

    func testDictionaryLiteralKeepsKeyOrderAsWritten() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.data = ["a": 15.4, "c": [5, 4, 6]]
        js.order = ["z": 1, "a": 2, "m": 3]
        XCTAssertEqual(recorder.statements, [#"data={"a":15.4,"c":[5,4,6]}"#, #"order={"z":1,"a":2,"m":3}"#])
    }

    func testIntegerSubscriptAssignment() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.arr[0] = 7
        XCTAssertEqual(recorder.statements, ["arr[0]=7"])
    }

    func testStringSubscriptIsQuoted() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.obj["key"] = 1
        XCTAssertEqual(recorder.statements, [#"obj["key"]=1"#])
    }

    func testStatementsKeepTheOrderWritten() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.a = 1
        js.b = 2
        js.a = 3
        XCTAssertEqual(recorder.statements, ["a=1", "b=2", "a=3"])
    }

    func testNestedMembersAreJoinedWithDots() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.window.app.state.count = 1
        XCTAssertEqual(recorder.statements, ["window.app.state.count=1"])
    }

    // MARK: Calls

    func testCallArgumentsMixLiteralsAndRuntimeValues() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let x = 2.5
        XCTAssertEqual(JS.code(of: js.console.log("a", 1, x)), #"console.log("a",1,2.5)"#)
    }

    func testCallWithoutArguments() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(JS.code(of: js.location.reload()), "location.reload()")
    }

    func testCallTakesBuilderArgumentsAsCode() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(JS.code(of: js.Math.max(js.a.b, 3)), "Math.max(a.b,3)")
    }

    func testCallArgumentsAreEscaped() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(JS.code(of: js.alert("</script>\"")), #"alert("\u003c/script>\"")"#)
    }

    func testBuiltExpressionQueuesNothing() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let e = js.alert("hi")
        let member = js.dom.count.innerHTML
        XCTAssertEqual(JS.code(of: e), #"alert("hi")"#)
        XCTAssertEqual(JS.code(of: member), #"document.getElementById("count").innerHTML"#)
        XCTAssertEqual(recorder.statements, [])
    }

    func testCallResultAssignedToAMember() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.dom.b2.onclick = JS(code: "(function(){})")
        js.total = js.sum(1, 2)
        XCTAssertEqual(recorder.statements, [
            #"document.getElementById("b2").onclick=(function(){})"#,
            "total=sum(1,2)",
        ])
    }

    func testMemberOfCallResultIsAssignable() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.f().x = 1
        XCTAssertEqual(recorder.statements, ["f().x=1"])
    }

    // MARK: Runtime values (the generic setter)

    func testRuntimeDoubleAssignment() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let someDouble = 0.1 + 0.2
        js.factor = someDouble
        XCTAssertEqual(recorder.statements, ["factor=0.30000000000000004"])
    }

    func testRuntimeIntArrayAssignment() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let someIntArray = [3, -1, 42]
        js.list = someIntArray
        let empty: [Int] = []
        js.none = empty
        XCTAssertEqual(recorder.statements, ["list=[3,-1,42]", "none=[]"])
    }

    func testRuntimeDictionaryKeysAreSorted() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let someStringDictionary = ["b": "2", "c": "3", "a": "1"]
        js.map = someStringDictionary
        XCTAssertEqual(recorder.statements, [#"map={"a":"1","b":"2","c":"3"}"#])
    }

    func testRuntimeNestedCollections() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let grid: [String: [[Int]]] = ["rows": [[1, 2], [3]]]
        js.grid = grid
        XCTAssertEqual(recorder.statements, [#"grid={"rows":[[1,2],[3]]}"#])
    }

    func testOptionalNoneIsNull() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.v = Optional<Int>.none
        XCTAssertEqual(recorder.statements, ["v=null"])
    }

    func testOptionalSomeIsItsValue() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.v = Optional<Int>.some(3)
        let name: String? = "x"
        js.w = name
        XCTAssertEqual(recorder.statements, ["v=3", #"w="x""#])
    }

    func testArrayOfOptionals() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let values: [Int?] = [1, nil, 3]
        js.values = values
        XCTAssertEqual(recorder.statements, ["values=[1,null,3]"])
    }

    func testNilLiteralIsNull() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.x = nil
        XCTAssertEqual(recorder.statements, ["x=null"])
    }

    func testRuntimeValuesThroughSubscripts() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let n = 9
        let text = "t"
        js.arr[2] = n
        js.obj["k"] = text
        XCTAssertEqual(recorder.statements, ["arr[2]=9", #"obj["k"]="t""#])
    }

    func testRuntimeValuesInsideLiteralsWrappedInJS() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let x = 1.5
        let n = 3
        js.p = ["x": JS(x), "n": JS(n)]
        js.q = [JS(n), 2, "s"]
        XCTAssertEqual(recorder.statements, [#"p={"x":1.5,"n":3}"#, #"q=[3,2,"s"]"#])
    }

    func testJSOfAValueIsItsLiteral() {
        XCTAssertEqual(JS.code(of: JS("a\"b")), #""a\"b""#)
        XCTAssertEqual(JS.code(of: JS([1, 2])), "[1,2]")
        XCTAssertEqual(JS.code(of: JS(code: "new Date()")), "new Date()")
    }

    // MARK: Scalars

    func testBooleans() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.a = true
        js.b = false
        let flag = true
        js.c = flag
        XCTAssertEqual(recorder.statements, ["a=true", "b=false", "c=true"])
    }

    func testNegativeNumbers() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.a = -5
        js.b = -2.5
        let c = -7
        js.c = c
        XCTAssertEqual(recorder.statements, ["a=-5", "b=-2.5", "c=-7"])
    }

    func testInt64ExtremesAreWrittenInFull() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.max = Int64.max
        js.min = Int64.min
        js.u = UInt64.max
        js.small = Int8(-128)
        XCTAssertEqual(recorder.statements, [
            "max=9223372036854775807", "min=-9223372036854775808", "u=18446744073709551615", "small=-128",
        ])
    }

    func testFloatUsesItsShortestForm() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let f: Float = 2.3
        js.f = f
        js.g = Float(0.5)
        XCTAssertEqual(recorder.statements, ["f=2.3", "g=0.5"])
    }

    func testWholeAndTinyDoubles() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let whole = 224.0
        let tiny = 1e-7
        js.w = whole
        js.t = tiny
        XCTAssertEqual(recorder.statements, ["w=224.0", "t=1e-07"])
    }

    func testNonFiniteNumbersUseTheirJavaScriptNames() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.a = Double.nan
        js.b = Double.infinity
        js.c = -Double.infinity
        js.d = Float.nan
        js.e = -Float.infinity
        XCTAssertEqual(recorder.statements, ["a=NaN", "b=Infinity", "c=-Infinity", "d=NaN", "e=-Infinity"])
    }

    func testCharacterAndSubstringAreStrings() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let c: Character = "q"
        let s: Substring = "hello"[...]
        js.c = c
        js.s = s.prefix(2)
        XCTAssertEqual(recorder.statements, [#"c="q""#, #"s="he""#])
    }

    // MARK: Expressions as values

    func testBuilderAssignedIsItsCode() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.a = js.b.c
        XCTAssertEqual(recorder.statements, ["a=b.c"])
    }

    func testCodeOfExpression() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(JS.code(of: js.a.b), "a.b")
        XCTAssertEqual(JS.code(of: js.arr[3]), "arr[3]")
        XCTAssertEqual(JS.code(of: js.obj["k"]), #"obj["k"]"#)
    }

    // MARK: No member of JS shadows a JavaScript name

    func testValueReachesTheDOMProperty() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.dom.input.value = "x"
        XCTAssertEqual(recorder.statements, [#"document.getElementById("input").value="x""#])
    }

    func testNamesThatCouldCollideWithSwiftMembersStayJavaScript() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.dom.field.code = 1
        js.description = "d"
        js.sink = 2
        js.statements = 3
        XCTAssertEqual(recorder.statements, [
            #"document.getElementById("field").code=1"#, #"description="d""#, "sink=2", "statements=3",
        ])
    }

    // MARK: The DOM root

    func testDomSubscriptTakesAnyId() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.dom["my-id"].hidden = true
        XCTAssertEqual(recorder.statements, [#"document.getElementById("my-id").hidden=true"#])
    }

    func testDomIdIsEscaped() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.dom["a\");alert(1);(\""].hidden = true
        XCTAssertEqual(recorder.statements, [#"document.getElementById("a\");alert(1);(\"").hidden=true"#])
    }

    func testDomIntegerSubscriptIsANumericId() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(JS.code(of: js.dom[5]), "document.getElementById(5)")
    }

    func testDomElementMethodCall() {
        let js = JS(sink: JSRecorder())
        XCTAssertEqual(JS.code(of: js.dom.name.focus()), #"document.getElementById("name").focus()"#)
    }

    func testDomOnlyActsAtTheRoot() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.a.dom = 1
        XCTAssertEqual(recorder.statements, ["a.dom=1"])
    }

    // MARK: Where statements go

    func testAssignmentReportsItsTarget() {
        let recorder = TargetRecorder()
        let js = JS(sink: recorder)
        js.dom.count.innerHTML = 10
        js.list = [1, 2]
        js.arr[0] = 7
        XCTAssertEqual(recorder.statements, [#"document.getElementById("count").innerHTML=10"#, "list=[1,2]", "arr[0]=7"])
        XCTAssertEqual(recorder.targets, [#"document.getElementById("count").innerHTML"#, "list", "arr[0]"])
    }

    func testBuilderWithoutAPageQueuesNothing() {
        let recorder = JSRecorder()
        let detached = JS(code: "x")
        detached.y = 1
        let js = JS(sink: recorder)
        XCTAssertEqual(JS.code(of: js.a), "a")
        XCTAssertEqual(recorder.statements, [])
    }

    func testAssignmentThroughACallHasNoCoalescibleTarget() {
        let recorder = TargetRecorder()
        let js = JS(sink: recorder)
        js.f().x = 1
        js.total = js.sum(1, 2)
        js.dom.count.innerHTML = 3
        js.dom = 4
        XCTAssertEqual(recorder.statements, ["f().x=1", "total=sum(1,2)", #"document.getElementById("count").innerHTML=3"#, "dom=4"])
        // A write that calls a function on either side has an effect of its own: never coalesced.
        XCTAssertEqual(recorder.targets, [nil, nil, #"document.getElementById("count").innerHTML"#, "dom"])
    }
}
