import XCTest
@testable import TetherBridge

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    private func assertRejects(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JSONParser.parse(text), "accepted \(text.debugDescription)", file: file, line: line) { error in
            XCTAssertTrue(error is JSONParser.Failure, "wrong error \(error)", file: file, line: line)
        }
    }

    private func failure(_ text: String) -> JSONParser.Failure? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    private func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    // MARK: Valid values

    func testLiterals() throws {
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse("false"), .bool(false))
    }

    func testNumbersKeepTheirText() throws {
        XCTAssertEqual(try parse("125"), .number("125"))
        XCTAssertEqual(try parse("-1.5e3"), .number("-1.5e3"))
        XCTAssertEqual(try parse("0"), .number("0"))
        XCTAssertEqual(try parse("-0"), .number("-0"))
        XCTAssertEqual(try parse("1.50"), .number("1.50"))
        XCTAssertEqual(try parse("1E+2"), .number("1E+2"))
        XCTAssertEqual(try parse("2e-7"), .number("2e-7"))
        XCTAssertEqual(try parse("0.5"), .number("0.5"))
        XCTAssertEqual(try parse("123456789012345678901234567890"), .number("123456789012345678901234567890"))
    }

    func testStrings() throws {
        XCTAssertEqual(try parse(#""""#), .string(""))
        XCTAssertEqual(try parse(#""hello""#), .string("hello"))
        XCTAssertEqual(try parse("\"😀 é\""), .string("😀 é"))
    }

    func testEscapesAreDecoded() throws {
        XCTAssertEqual(try parse(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(try parse(#""\u0041\u00e9\u4e2d\u003c\u0000""#), .string("Aé中<\u{0}"))
        XCTAssertEqual(try parse(#""\u2028\u2029""#), .string("\u{2028}\u{2029}"))
    }

    func testSurrogatePairsAreDecoded() throws {
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse(#""a\uD834\uDD1Eb""#), .string("a𝄞b"))
    }

    func testArrays() throws {
        XCTAssertEqual(try parse("[]"), .array([]))
        XCTAssertEqual(try parse(#"[1,"a",null,true,[false]]"#),
                       .array([.number("1"), .string("a"), .null, .bool(true), .array([.bool(false)])]))
    }

    func testObjects() throws {
        XCTAssertEqual(try parse("{}"), .object([:]))
        XCTAssertEqual(try parse(#"{"a":1,"b":{"c":[2]},"":"empty key"}"#),
                       .object(["a": .number("1"), "b": .object(["c": .array([.number("2")])]), "": .string("empty key")]))
    }

    func testWhitespaceIsAllowedAroundEveryToken() throws {
        XCTAssertEqual(try parse(" \t\r\n[ 1 , { \"a\" : null } ]\r\n\t "),
                       .array([.number("1"), .object(["a": .null])]))
        XCTAssertEqual(try parse("\n  7  \n"), .number("7"))
    }

    func testParsesBytes() throws {
        XCTAssertEqual(try JSONParser.parse(Array(#"{"k":"v"}"#.utf8)), .object(["k": .string("v")]))
    }

    // MARK: Strictness

    func testLeadingZerosAreRejected() {
        assertRejects("01")
        assertRejects("-01")
        assertRejects("00")
    }

    func testIncompleteNumbersAreRejected() {
        assertRejects("1.")
        assertRejects(".5")
        assertRejects("-")
        assertRejects("+1")
        assertRejects("1e")
        assertRejects("1e+")
        assertRejects("-.5")
        assertRejects("0x10")
    }

    func testNonFiniteNamesAreRejected() {
        assertRejects("NaN")
        assertRejects("Infinity")
        assertRejects("-Infinity")
    }

    func testTrailingCommasAreRejected() {
        assertRejects("[1,]")
        assertRejects(#"{"a":1,}"#)
        assertRejects("[,]")
        assertRejects("[1,,2]")
    }

    func testSingleQuotesAreRejected() {
        assertRejects("'a'")
        assertRejects("{'a':1}")
    }

    func testUnterminatedValuesAreRejected() {
        assertRejects(#""abc"#)
        assertRejects(#""abc\"#)
        assertRejects("[1")
        assertRejects(#"{"a":1"#)
        assertRejects(#"{"a""#)
        assertRejects("")
        assertRejects("   ")
    }

    func testMalformedObjectsAreRejected() {
        assertRejects(#"{"a" 1}"#)
        assertRejects("{a:1}")
        assertRejects("{1:2}")
        assertRejects(#"{"a":}"#)
    }

    func testMisspelledLiteralsAreRejected() {
        assertRejects("tru")
        assertRejects("nul")
        assertRejects("True")
        assertRejects("undefined")
    }

    func testControlCharactersInStringsAreRejected() {
        assertRejects("\"a\nb\"")
        assertRejects("\"a\tb\"")
        assertRejects("\"\u{0}\"")
        assertRejects("\"\u{1f}\"")
    }

    func testBadEscapesAreRejected() {
        assertRejects(#""\x41""#)
        assertRejects(#""\'""#)
        assertRejects(#""\u12""#)
        assertRejects(#""\u12G4""#)
    }

    func testLoneSurrogatesAreRejected() {
        assertRejects(#""\ud800""#)
        assertRejects(#""\udc00""#)
        assertRejects(#""\ud800x""#)
        assertRejects(#""\ud800\u0041""#)
        assertRejects(#""\ud800\ud800""#)
        assertRejects(#""\ude00\ud83d""#)
    }

    func testInvalidUTF8IsRejected() {
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xFF, 0x22]))
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xC3, 0x22]))
    }

    func testTrailingDataIsRejected() {
        assertRejects("1 2")
        assertRejects("{} x")
        assertRejects("[]]")
        assertRejects("truex")
        assertRejects(#""a""b""#)
        assertRejects("null,")
    }

    func testOnlyJSONWhitespaceIsAllowed() {
        assertRejects("\u{c}1")
        assertRejects("1\u{a0}")
        assertRejects("\u{feff}1")
    }

    func testFailureTellsWhereAndWhy() {
        XCTAssertEqual(failure("[1,]"), JSONParser.Failure(message: "unexpected character", offset: 3))
        XCTAssertEqual(failure("1 2"), JSONParser.Failure(message: "unexpected data after the value", offset: 2))
        XCTAssertEqual(failure("[1,]")?.description, "invalid JSON at byte 3: unexpected character")
    }

    // MARK: Depth

    func testNestingUpToMaxDepthIsAccepted() throws {
        var expected = JSONValue.array([])
        for _ in 1..<JSONParser.maxDepth { expected = .array([expected]) }
        XCTAssertEqual(try parse(nested(JSONParser.maxDepth)), expected)
    }

    func testNestingDeeperThanMaxDepthIsAnError() {
        XCTAssertEqual(failure(nested(JSONParser.maxDepth + 1))?.message, "nested deeper than \(JSONParser.maxDepth) levels")
        let objects = String(repeating: #"{"a":"#, count: JSONParser.maxDepth + 1) + "1" + String(repeating: "}", count: JSONParser.maxDepth + 1)
        assertRejects(objects)
    }

    func testVeryDeepNestingIsAnErrorNotACrash() {
        assertRejects(nested(200_000))
        assertRejects(String(repeating: "[", count: 200_000))
        assertRejects(String(repeating: #"{"a":"#, count: 100_000))
    }

    // MARK: JSONValue

    func testJSONTextRoundTrips() throws {
        let texts = [
            "null", "true", "false", "125", "-1.5e3", #""a\"b\\c\u003c\u2028""#, "[]", "{}",
            #"[1,"x",null,[true,false],{"a":{}}]"#, #"{"a":1,"b":[2,3],"c":"\n"}"#,
        ]
        for text in texts {
            XCTAssertEqual(try parse(text).jsonText, text)
        }
    }

    func testJSONTextIsCompactWithSortedKeys() throws {
        XCTAssertEqual(try parse(#" { "b" : 1 , "a" : [ 2 , 3 ] } "#).jsonText, #"{"a":[2,3],"b":1}"#)
    }

    func testValueRoundTripsThroughItsJSONText() throws {
        let value = JSONValue.object([
            "s": .string("</script>\"\\\u{0}\u{2028}😀"), "n": .number("-0.5"), "a": .array([.null, .bool(true)]),
            "o": .object(["": .string("")]),
        ])
        XCTAssertEqual(try JSONParser.parse(value.jsonText), value)
        XCTAssertFalse(value.jsonText.contains("<"))
    }

    func testAccessors() throws {
        let value = try parse(#"{"s":"x","i":125,"f":1.5,"e":1e2,"big":99999999999999999999,"b":true}"#)
        XCTAssertEqual(value["s"]?.stringValue, "x")
        XCTAssertEqual(value["i"]?.intValue, 125)
        XCTAssertNil(value["f"]?.intValue)
        XCTAssertNil(value["e"]?.intValue)
        XCTAssertNil(value["big"]?.intValue)
        XCTAssertNil(value["b"]?.intValue)
        XCTAssertNil(value["i"]?.stringValue)
        XCTAssertNil(value["missing"])
        XCTAssertNil(JSONValue.array([])["s"])
    }
}
