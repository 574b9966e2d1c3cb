import XCTest
@testable import TetherBridge
@testable import TetherHTTP
@testable import TetherJS

/// Every string a Swift value holds becomes a JSON string literal that cannot end its string,
/// its statement, nor the `<script>` it may sit in.
final class JSLiteralEscapingTests: XCTestCase {
    /// The literal a runtime string becomes in an assignment.
    private func literal(_ value: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.s = value
        let statements = recorder.statements
        XCTAssertEqual(statements.count, 1, file: file, line: line)
        guard let statement = statements.first, statement.hasPrefix("s=") else {
            XCTFail("unexpected statements \(statements)", file: file, line: line)
            return ""
        }
        return String(statement.dropFirst(2))
    }

    /// The literal is safe in a script and parses back, as JSON, to the original string.
    private func assertSafeRoundTrip(_ value: String, file: StaticString = #filePath, line: UInt = #line) {
        let quoted = literal(value, file: file, line: line)
        assertSafe(quoted, file: file, line: line)
        XCTAssertEqual(try JSONParser.parse(quoted), .string(value), file: file, line: line)
    }

    /// No raw `<`, U+2028, U+2029 or control character, and the only unescaped quotes are the two ends.
    private func assertSafe(_ quoted: String, file: StaticString = #filePath, line: UInt = #line) {
        let scalars = Array(quoted.unicodeScalars)
        XCTAssertFalse(scalars.contains("<"), "raw < in \(quoted)", file: file, line: line)
        XCTAssertFalse(scalars.contains("\u{2028}"), "raw U+2028 in \(quoted)", file: file, line: line)
        XCTAssertFalse(scalars.contains("\u{2029}"), "raw U+2029 in \(quoted)", file: file, line: line)
        XCTAssertFalse(scalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "raw control character in \(quoted)", file: file, line: line)
        guard scalars.count >= 2, scalars.first == "\"", scalars.last == "\"" else {
            XCTFail("not a quoted string: \(quoted)", file: file, line: line)
            return
        }
        var index = 1
        while index < scalars.count - 1 {
            switch scalars[index] {
            case "\\": index += 2
            case "\"":
                XCTFail("unescaped quote at \(index) in \(quoted)", file: file, line: line)
                return
            default: index += 1
            }
        }
        XCTAssertEqual(index, scalars.count - 1, "the closing quote is escaped in \(quoted)", file: file, line: line)
    }

    // MARK: Exact output

    func testScriptEndTagCannotCloseTheScript() {
        XCTAssertEqual(literal("</script>"), #""\u003c/script>""#)
        XCTAssertEqual(literal("<!--"), #""\u003c!--""#)
    }

    func testQuoteIsEscaped() {
        XCTAssertEqual(literal(#"say "hi""#), #""say \"hi\"""#)
    }

    func testBackslashIsEscaped() {
        XCTAssertEqual(literal(#"a\b"#), #""a\\b""#)
        XCTAssertEqual(literal(#"\""#), #""\\\"""#)
    }

    func testNewlineTabAndReturnUseShortEscapes() {
        XCTAssertEqual(literal("a\nb\tc\rd"), #""a\nb\tc\rd""#)
    }

    func testNulIsEscaped() {
        XCTAssertEqual(literal("a\u{0}b"), #""a\u0000b""#)
    }

    func testOtherControlCharactersUseUnicodeEscapes() {
        XCTAssertEqual(literal("\u{1}\u{8}\u{b}\u{c}\u{1b}\u{1f}\u{7f}"), #""\u0001\u0008\u000b\u000c\u001b\u001f\u007f""#)
    }

    func testLineAndParagraphSeparatorsAreEscaped() {
        XCTAssertEqual(literal("a\u{2028}b\u{2029}c"), #""a\u2028b\u2029c""#)
    }

    func testEmojiAndOtherNonASCIIAreKeptAsIs() {
        XCTAssertEqual(literal("😀 é 中 👩‍👩‍👧"), "\"😀 é 中 👩‍👩‍👧\"")
    }

    func testGreaterThanAndAmpersandNeedNoEscape() {
        XCTAssertEqual(literal("a>b&c'd/e"), #""a>b&c'd/e""#)
    }

    func testEmptyString() {
        XCTAssertEqual(literal(""), #""""#)
    }

    func testStringLiteralTakesTheSameEscapes() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.s = "</script>\"\\\n\u{2028}"
        XCTAssertEqual(recorder.statements, [#"s="\u003c/script>\"\\\n\u2028""#])
    }

    func testDictionaryKeyHoldingAQuoteIsEscaped() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let runtime = ["a\"b": 1, "</script>": 2]
        js.map = runtime
        js.lit = ["k\"};alert(1);//": 1]
        XCTAssertEqual(recorder.statements, [
            #"map={"\u003c/script>":2,"a\"b":1}"#,
            #"lit={"k\"};alert(1);//":1}"#,
        ])
    }

    func testSubscriptKeyIsEscaped() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        js.obj["\"]=1;x[\""] = 2
        XCTAssertEqual(recorder.statements, [#"obj["\"]=1;x[\""]=2"#])
    }

    func testStringsInsideArraysAndOptionalsAreEscaped() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let list = ["<b>", "\u{2029}"]
        let maybe: String? = "\"x\""
        js.list = list
        js.maybe = maybe
        XCTAssertEqual(recorder.statements, [#"list=["\u003cb>","\u2029"]"#, #"maybe="\"x\"""#])
    }

    func testCharacterAndSubstringAreEscaped() {
        let recorder = JSRecorder()
        let js = JS(sink: recorder)
        let character: Character = "<"
        let text = "x\"y"
        js.c = character
        js.s = text[...]
        XCTAssertEqual(recorder.statements, [#"c="\u003c""#, #"s="x\"y""#])
    }

    // MARK: Safe and round-tripping

    func testEveryHostileStringIsSafeAndRoundTripsThroughJSONParser() {
        let hostile = [
            "</script>", "</SCRIPT><script>alert(1)</script>", #"""#, #"\"#, #"\""#, #"\\""#,
            "a\nb", "\t", "\u{0}", "\u{1}\u{1f}\u{7f}", "\r\n", "\u{2028}", "\u{2029}",
            "😀", "é", "\u{FEFF}", "\u{10FFFF}", "'", "`${x}`", "--><!--", "", " ",
            "\"});alert(1);//", "\\u003c", "\u{85}",
        ]
        for value in hostile { assertSafeRoundTrip(value) }
    }

    func testEveryScalarBelow0x3000RoundTrips() {
        var all = ""
        for value in UInt32(0)..<0x3000 {
            if let scalar = Unicode.Scalar(value) { all.unicodeScalars.append(scalar) }
        }
        assertSafeRoundTrip(all)
    }

    func testQuoteMatchesTheBuilderLiteral() {
        let value = "x</script>\u{2028}\"\\"
        XCTAssertEqual(literal(value), JSONText.quote(value))
    }
}
