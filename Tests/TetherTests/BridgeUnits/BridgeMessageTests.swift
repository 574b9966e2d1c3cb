import XCTest
@testable import TetherBridge

final class BridgeMessageTests: XCTestCase {
    private func parse(_ body: String) throws(MalformedMessage) -> BridgeMessage.Envelope {
        try ProtocolCodec.decodeMessage(Array(body.utf8))
    }

    private func message(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> BridgeMessage? {
        do {
            let envelope = try parse(body)
            XCTAssertEqual(envelope.session, "s1", file: file, line: line)
            return envelope.message
        } catch {
            XCTFail("rejected \(body): \(error)", file: file, line: line)
            return nil
        }
    }

    private func malformed(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            let envelope = try parse(body)
            XCTFail("accepted \(body) as \(envelope)", file: file, line: line)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: Each task

    func testCallParses() {
        XCTAssertEqual(message(#"{"session":"s1","task":"call","function":"add","args":[1,"x",null,[true]]}"#),
                       .call(function: "add", arguments: [.number("1"), .string("x"), .null, .array([.bool(true)])]))
    }

    func testCallWithoutArgsHasNoArguments() {
        XCTAssertEqual(message(#"{"session":"s1","task":"call","function":"reset"}"#), .call(function: "reset", arguments: []))
        XCTAssertEqual(message(#"{"session":"s1","task":"call","function":"reset","args":null}"#), .call(function: "reset", arguments: []))
        XCTAssertEqual(message(#"{"session":"s1","task":"call","function":"reset","args":[]}"#), .call(function: "reset", arguments: []))
    }

    func testGetParses() {
        XCTAssertEqual(message(#"{"session":"s1","task":"get","property":"count"}"#), .get(property: "count"))
    }

    func testSetParses() {
        XCTAssertEqual(message(#"{"session":"s1","task":"set","property":"label","value":{"a":[1]}}"#),
                       .set(property: "label", value: .object(["a": .array([.number("1")])])))
    }

    func testSetToNullKeepsTheNull() {
        XCTAssertEqual(message(#"{"session":"s1","task":"set","property":"label","value":null}"#), .set(property: "label", value: .null))
    }

    func testNextParsesAckAndResults() {
        let body = #"{"session":"s1","task":"next","ack":3,"results":[{"id":1,"value":42},{"id":2,"error":"boom"},{"id":3,"value":null}]}"#
        XCTAssertEqual(message(body), .next(ack: 3, results: [
            BridgeMessage.Result(id: 1, outcome: .value(.number("42"))),
            BridgeMessage.Result(id: 2, outcome: .exception("boom")),
            BridgeMessage.Result(id: 3, outcome: .value(.null)),
        ]))
    }

    func testNextWithoutAckOrResults() {
        XCTAssertEqual(message(#"{"session":"s1","task":"next"}"#), .next(ack: 0, results: []))
        XCTAssertEqual(message(#"{"session":"s1","task":"next","ack":null,"results":null}"#), .next(ack: 0, results: []))
        XCTAssertEqual(message(#"{"session":"s1","task":"next","ack":0,"results":[]}"#), .next(ack: 0, results: []))
    }

    func testErrorThatIsNotAStringBecomesItsJSONText() {
        let body = #"{"session":"s1","task":"next","ack":1,"results":[{"id":4,"error":{"message":"x"}}]}"#
        XCTAssertEqual(message(body), .next(ack: 1, results: [BridgeMessage.Result(id: 4, outcome: .exception(#"{"message":"x"}"#))]))
    }

    func testErrorWinsOverValue() {
        let body = #"{"session":"s1","task":"next","results":[{"id":5,"value":1,"error":"bad"}]}"#
        XCTAssertEqual(message(body), .next(ack: 0, results: [BridgeMessage.Result(id: 5, outcome: .exception("bad"))]))
    }

    func testUnloadParses() {
        XCTAssertEqual(message(#"{"session":"s1","task":"unload"}"#), .unload)
    }

    func testEnvelopeCarriesTheSession() throws {
        XCTAssertEqual(try parse(#"{"task":"unload","session":"abc"}"#), BridgeMessage.Envelope(session: "abc", message: .unload))
    }

    func testExtraFieldsAreIgnored() {
        XCTAssertEqual(message(#"{"session":"s1","task":"get","property":"p","extra":[1,2]}"#), .get(property: "p"))
    }

    // MARK: Malformed bodies

    func testInvalidJSONIsMalformed() {
        XCTAssertEqual(malformed("{"), "invalid JSON at byte 1: expected a string key")
        XCTAssertEqual(malformed(""), "invalid JSON at byte 0: unexpected end")
    }

    func testNonObjectBodyIsMalformed() {
        for body in ["[]", #""call""#, "null", "42", "true"] {
            XCTAssertEqual(malformed(body), "the body must be a JSON object", body)
        }
    }

    func testMissingSessionIsMalformed() {
        XCTAssertEqual(malformed(#"{"task":"unload"}"#), "'session' (a string) is missing")
    }

    func testSessionOfWrongTypeIsMalformed() {
        XCTAssertEqual(malformed(#"{"session":12,"task":"unload"}"#), "'session' (a string) is missing")
        XCTAssertEqual(malformed(#"{"session":null,"task":"unload"}"#), "'session' (a string) is missing")
    }

    func testMissingTaskIsMalformed() {
        XCTAssertEqual(malformed(#"{"session":"s1"}"#), "'task' (a string) is missing")
        XCTAssertEqual(malformed(#"{"session":"s1","task":["call"]}"#), "'task' (a string) is missing")
    }

    func testUnknownTaskIsMalformed() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"fly"}"#), "unknown task 'fly': use call, get, set, next or unload")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"CALL","function":"f"}"#), "unknown task 'CALL': use call, get, set, next or unload")
    }

    func testCallNeedsAFunctionName() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"call"}"#), "'function' (a string) is missing")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"call","function":1}"#), "'function' (a string) is missing")
    }

    func testCallArgsMustBeAnArray() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"call","function":"f","args":{"a":1}}"#), "'args' must be an array")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"call","function":"f","args":1}"#), "'args' must be an array")
    }

    func testGetAndSetNeedAPropertyName() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"get"}"#), "'property' (a string) is missing")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"get","property":false}"#), "'property' (a string) is missing")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"set","value":1}"#), "'property' (a string) is missing")
    }

    func testSetNeedsAValue() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"set","property":"p"}"#), "'value' is missing")
    }

    func testAckMustBeAWholeNumberNotNegative() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","ack":-1}"#), "'ack' must be a whole number ≥ 0")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","ack":1.5}"#), "'ack' must be a whole number ≥ 0")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","ack":1e400}"#), "'ack' must be a whole number ≥ 0")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","ack":"3"}"#), "'ack' must be a number")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","ack":true}"#), "'ack' must be a number")
    }

    func testResultsMustBeAnArray() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","results":{"id":1,"value":2}}"#), "'results' must be an array")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","results":"x"}"#), "'results' must be an array")
    }

    func testEachResultNeedsANumericId() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","results":[{"value":1}]}"#), "each result needs a numeric 'id'")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","results":[{"id":"1","value":1}]}"#), "each result needs a numeric 'id'")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","results":[{"id":1.5,"value":1}]}"#), "each result needs a numeric 'id'")
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","results":[7]}"#), "each result needs a numeric 'id'")
    }

    func testResultNeedsAValueOrAnError() {
        XCTAssertEqual(malformed(#"{"session":"s1","task":"next","results":[{"id":9}]}"#), "result 9 has neither 'value' nor 'error'")
    }
}
