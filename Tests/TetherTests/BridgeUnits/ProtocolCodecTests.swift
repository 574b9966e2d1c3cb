import XCTest
@testable import TetherBridge

/// The one codec reads back what it writes, in both directions, and writes the documented wire.
final class ProtocolCodecTests: XCTestCase {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private let write = PageOperation.assign(target: .member("innerHTML", of: .element("count")), value: .literal(.number("10")))
    private let read = PageOperation.read(.call(.global("adjust"), [.literal(.number("5"))]))

    func testEveryClientMessageRoundTrips() throws {
        let envelopes = [
            BridgeMessage.Envelope(session: "s", message: .call(function: "add", arguments: [.number("1"), .string("</script>")]),
                                   inlineAck: 3),
            BridgeMessage.Envelope(session: "s", message: .get(property: "count")),
            BridgeMessage.Envelope(session: "s", message: .set(property: "count", value: .object(["a": .bool(true)])), inlineAck: 0),
            BridgeMessage.Envelope(session: "s", message: .next(ack: 7, results: [
                .init(id: 1, outcome: .value(.array([.null]))), .init(id: 2, outcome: .exception("TypeError: x")),
            ]), errors: [PageError(kind: .command, seq: 7, name: "TypeError", message: "m", statement: "a.b=1")]),
            BridgeMessage.Envelope(session: "s", message: .unload),
        ]
        for envelope in envelopes {
            XCTAssertEqual(try ProtocolCodec.decodeMessage(bytes(ProtocolCodec.encode(envelope))), envelope)
        }
    }

    func testAPollReplyIsItsCommandsWithSeqAndIdFirst() throws {
        let reply = PollReply(commands: [PageCommand(seq: 1, operation: write), PageCommand(seq: 2, readID: 9, operation: read)])
        let text = ProtocolCodec.encode(reply)
        XCTAssertTrue(text.hasPrefix(#"{"commands":[{"seq":1,"op":"assign","#), text)
        XCTAssertTrue(text.contains(#"{"seq":2,"id":9,"expr":"#), text)
        XCTAssertEqual(try ProtocolCodec.decodePollReply(bytes(text)), reply)
        XCTAssertEqual(ProtocolCodec.encode(PollReply(commands: [])), #"{"commands":[]}"#)
    }

    func testACallReplyCarriesItsValueAsEncodedAndInlineCommandsOnlyWhenThereAreSome() throws {
        XCTAssertEqual(ProtocolCodec.encode(CallReply(value: EncodedJSON(encoded: #"{"b":1,"a":[2]}"#))), #"{"value":{"b":1,"a":[2]}}"#)
        let inline = CallReply(value: .null, commands: [PageCommand(seq: 4, operation: write)])
        let text = ProtocolCodec.encode(inline)
        XCTAssertTrue(text.hasPrefix(#"{"value":null,"commands":[{"seq":4,"#), text)
        XCTAssertEqual(try ProtocolCodec.decodeCallReply(bytes(text)), inline)
        XCTAssertEqual(try ProtocolCodec.decodeCallReply(bytes(#"{"value":"x"}"#)).value.decoded(), .string("x"))
    }

    func testTheErrorBodyAndTheHealthReport() throws {
        let error = ErrorBody(code: "not_found", message: "no \"such\" <file>")
        XCTAssertEqual(ProtocolCodec.encode(error), #"{"error":{"code":"not_found","message":"no \"such\" \u003cfile>"}}"#)
        XCTAssertEqual(try ProtocolCodec.decodeErrorBody(bytes(ProtocolCodec.encode(error))), error)

        let health = HealthReport(status: .degraded, reason: "www is gone", version: "1.2", uptime: 12.5, sessions: 3,
                                  sinceLastPoll: nil, pageErrors: 1)
        XCTAssertEqual(ProtocolCodec.encode(health), #"{"status":"degraded","reason":"www is gone","version":"1.2","uptime":12.5,"#
            + #""sessions":3,"sinceLastPoll":null,"pageErrors":1}"#)
        XCTAssertEqual(try ProtocolCodec.decodeHealthReport(bytes(ProtocolCodec.encode(health))), health)
    }

    func testMalformedRepliesSayWhatIsWrong() {
        func failure(_ body: String, _ decode: ([UInt8]) throws(MalformedMessage) -> Any) -> String? {
            do { _ = try decode(bytes(body)); return nil } catch { return error.description }
        }
        XCTAssertEqual(failure(#"{"commands":{}}"#, ProtocolCodec.decodePollReply), "'commands' must be an array")
        XCTAssertEqual(failure(#"{"commands":[{"op":"run"}]}"#, ProtocolCodec.decodePollReply), "each command needs a numeric 'seq'")
        XCTAssertEqual(failure(#"{"commands":[{"seq":1,"op":"jump"}]}"#, ProtocolCodec.decodePollReply),
                       #"command 1: invalid page command: unknown op "jump" (expected assign, run or read)"#)
        XCTAssertEqual(failure(#"{"commands":[]}"#, ProtocolCodec.decodeCallReply), "'value' is missing")
        XCTAssertEqual(failure(#"{"error":"x"}"#, ProtocolCodec.decodeErrorBody),
                       "'error' must be an object with 'code' and 'message' strings")
        XCTAssertEqual(failure(#"[]"#, ProtocolCodec.decodeHealthReport), "the body must be a JSON object")
    }
}
