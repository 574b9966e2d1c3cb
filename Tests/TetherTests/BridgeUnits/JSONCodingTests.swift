import XCTest
@testable import Tether

final class JSONCodingTests: XCTestCase {
    private struct Point: Codable, Equatable {
        var x: Int
        var label: String
    }

    private struct Reading: Codable, Equatable {
        var value: Double
        var tags: [String]
        var note: String?
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONCoding.decode(type, from: try JSONParser.parse(text))
    }

    private func assertMismatch<T: Decodable>(_ type: T.Type, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(type, text), "\(text) decoded as \(T.self)", file: file, line: line) { error in
            XCTAssertTrue(error is JSONCoding.Mismatch, "wrong error \(error)", file: file, line: line)
        }
    }

    // MARK: Decoding scalars

    func testIntegerDecodesAsInt() throws {
        XCTAssertEqual(try decode(Int.self, "5"), 5)
        XCTAssertEqual(try decode(Int.self, "-125"), -125)
        XCTAssertEqual(try decode(Int.self, "9223372036854775807"), Int.max)
    }

    func testTrueIsNotAnInt() {
        assertMismatch(Int.self, "true")
        assertMismatch(Int.self, "false")
    }

    func testFractionIsNotAnInt() {
        assertMismatch(Int.self, "1.5")
        assertMismatch(Int.self, "-0.25")
    }

    func testNumericStringIsNotAnInt() {
        assertMismatch(Int.self, #""5""#)
    }

    func testNullAndOverflowAreNotAnInt() {
        assertMismatch(Int.self, "null")
        assertMismatch(Int.self, "9223372036854775808")
    }

    func testNumbersDecodeAsDouble() throws {
        XCTAssertEqual(try decode(Double.self, "1.5"), 1.5)
        XCTAssertEqual(try decode(Double.self, "224"), 224.0)
        XCTAssertEqual(try decode(Double.self, "-1.5e3"), -1500.0)
    }

    func testBoolAndStringAreNotADouble() {
        assertMismatch(Double.self, "true")
        assertMismatch(Double.self, #""1.5""#)
    }

    func testStringDecodesOnlyFromAString() throws {
        XCTAssertEqual(try decode(String.self, #""a\"<""#), "a\"<")
        assertMismatch(String.self, "5")
        assertMismatch(String.self, "true")
        assertMismatch(String.self, "null")
    }

    func testBoolDecodesOnlyFromABool() throws {
        XCTAssertEqual(try decode(Bool.self, "true"), true)
        XCTAssertEqual(try decode(Bool.self, "false"), false)
        assertMismatch(Bool.self, "1")
        assertMismatch(Bool.self, "0")
        assertMismatch(Bool.self, #""true""#)
    }

    func testMismatchNamesTheTypeAndTheValue() {
        do {
            _ = try JSONCoding.decode(Int.self, from: .bool(true))
            XCTFail("true decoded as Int")
        } catch {
            XCTAssertEqual(error.description, "expected Int, got true")
        }
    }

    // MARK: Decoding structures

    func testCodableStructDecodes() throws {
        XCTAssertEqual(try decode(Point.self, #"{"x":3,"label":"p"}"#), Point(x: 3, label: "p"))
        XCTAssertEqual(try decode(Reading.self, #"{"value":1.25,"tags":["a","b"]}"#), Reading(value: 1.25, tags: ["a", "b"], note: nil))
    }

    func testStructMissingAFieldFails() {
        assertMismatch(Point.self, #"{"x":3}"#)
    }

    func testStructWithAWronglyTypedFieldFails() {
        assertMismatch(Point.self, #"{"x":true,"label":"p"}"#)
        assertMismatch(Point.self, #"{"x":1.5,"label":"p"}"#)
        assertMismatch(Point.self, #"{"x":"3","label":"p"}"#)
    }

    func testArrayDecodes() throws {
        XCTAssertEqual(try decode([Int].self, "[1,2,3]"), [1, 2, 3])
        assertMismatch([Int].self, "[1,true]")
    }

    // MARK: Encoding

    func testIntEncodes() throws {
        XCTAssertEqual(try JSONCoding.encode(5), "5")
        XCTAssertEqual(try JSONCoding.encode(-42), "-42")
    }

    func testStringEncodesEscaped() throws {
        XCTAssertEqual(try JSONCoding.encode("hi"), #""hi""#)
        XCTAssertEqual(try JSONCoding.encode("a\"\\</script>\n"), #""a\"\\\u003c/script>\n""#)
    }

    func testWholeDoubleEncodesWithoutFraction() throws {
        XCTAssertEqual(try JSONCoding.encode(224.0), "224")
        XCTAssertEqual(try JSONCoding.encode(-3.0), "-3")
        XCTAssertEqual(try JSONCoding.encode(0.0), "0")
    }

    func testFractionalDoubleEncodes() throws {
        XCTAssertEqual(try JSONCoding.encode(1.5), "1.5")
        XCTAssertEqual(try JSONCoding.encode(-0.25), "-0.25")
    }

    func testLargeDoubleIsValidJSON() throws {
        let text = try JSONCoding.encode(1e300)
        XCTAssertEqual(try JSONParser.parse(text), .number(text))
        XCTAssertEqual(Double(text), 1e300)
    }

    func testNonFiniteDoubleCannotBeEncoded() {
        XCTAssertThrowsError(try JSONCoding.encode(Double.nan)) { error in
            XCTAssertTrue(error is JSONCoding.Unencodable, "wrong error \(error)")
        }
        XCTAssertThrowsError(try JSONCoding.encode(Double.infinity))
    }

    func testBoolEncodes() throws {
        XCTAssertEqual(try JSONCoding.encode(true), "true")
        XCTAssertEqual(try JSONCoding.encode(false), "false")
    }

    func testCodableStructEncodesAsAnObject() throws {
        let text = try JSONCoding.encode(Point(x: 3, label: "p"))
        XCTAssertEqual(try JSONParser.parse(text), .object(["x": .number("3"), "label": .string("p")]))
    }

    func testEncodedStructDecodesBack() throws {
        let reading = Reading(value: 2.5, tags: ["</script>", "é"], note: "n")
        XCTAssertEqual(try decode(Reading.self, try JSONCoding.encode(reading)), reading)
    }

    func testArrayEncodes() throws {
        XCTAssertEqual(try JSONParser.parse(try JSONCoding.encode([1, 2, 3])), .array([.number("1"), .number("2"), .number("3")]))
    }

    func testEncodedResultsHaveSortedKeys() throws {
        struct Unordered: Encodable { var zeta = 1, alpha = "a/b", mid = [2.5] }
        XCTAssertEqual(try JSONCoding.encode(Unordered()), #"{"alpha":"a/b","mid":[2.5],"zeta":1}"#)
    }

    func testNumbersBeyondDoubleAreRefusedNotInfinity() {
        XCTAssertThrowsError(try JSONCoding.decode(Double.self, from: .number("1e999")))
        XCTAssertThrowsError(try JSONCoding.decode(Double.self, from: .number("-1e999")))
        XCTAssertThrowsError(try JSONCoding.decode([Double].self, from: .array([.number("1e999")])))
        XCTAssertThrowsError(try JSONCoding.decode(Int.self, from: .number("9223372036854775808")))
        XCTAssertEqual(try JSONCoding.decode(Double.self, from: .number("1e308")), 1e308)
    }
}
