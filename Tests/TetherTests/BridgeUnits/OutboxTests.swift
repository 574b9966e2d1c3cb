import XCTest
@testable import TetherBridge

final class OutboxTests: XCTestCase {
    private func seqs(_ outbox: Outbox) -> [Int] { outbox.commands.map(\.seq) }
    private func code(_ outbox: Outbox) -> [String] { outbox.commands.map(\.operation.code) }

    private func filledOutbox(_ count: Int) -> Outbox {
        var outbox = Outbox()
        for n in 1...count { outbox.append(.run(.code("s\(n)()"))) }
        return outbox
    }

    // MARK: Sequence numbers

    func testNewOutboxIsEmpty() {
        let outbox = Outbox()
        XCTAssertTrue(outbox.isEmpty)
        XCTAssertEqual(outbox.count, 0)
        XCTAssertEqual(outbox.lastSeq, 0)
        XCTAssertEqual(ProtocolCodec.encode(PollReply(commands: outbox.pageCommands)), #"{"commands":[]}"#)
    }

    func testSeqIncreasesFromOne() {
        var outbox = Outbox()
        XCTAssertEqual(outbox.append(.run(.code("a()"))), 1)
        XCTAssertEqual(outbox.append(.read(.code("b()")), readID: 7), 2)
        XCTAssertEqual(outbox.append(.run(.code("c=1")), coalescingKey: "c"), 3)
        XCTAssertEqual(outbox.lastSeq, 3)
        XCTAssertEqual(outbox.count, 3)
        XCTAssertEqual(outbox.commands, [
            Outbox.Command(seq: 1, operation: .run(.code("a()")), readID: nil, coalescingKey: nil),
            Outbox.Command(seq: 2, operation: .read(.code("b()")), readID: 7, coalescingKey: nil),
            Outbox.Command(seq: 3, operation: .run(.code("c=1")), readID: nil, coalescingKey: "c"),
        ])
    }

    func testSeqKeepsIncreasingAfterAcknowledgeAndRemoveAll() {
        var outbox = filledOutbox(3)
        outbox.acknowledge(upTo: 3)
        XCTAssertEqual(outbox.append(.run(.code("d()"))), 4)
        outbox.removeAll()
        XCTAssertTrue(outbox.isEmpty)
        XCTAssertEqual(outbox.append(.run(.code("e()"))), 5)
        XCTAssertEqual(seqs(outbox), [5])
    }

    // MARK: Acknowledgement

    func testAcknowledgeDropsExactlyTheAcknowledgedPrefix() {
        var outbox = filledOutbox(5)
        outbox.acknowledge(upTo: 2)
        XCTAssertEqual(seqs(outbox), [3, 4, 5])
        XCTAssertEqual(code(outbox), ["s3()", "s4()", "s5()"])
    }

    func testAcknowledgeIsIdempotent() {
        var outbox = filledOutbox(5)
        outbox.acknowledge(upTo: 2)
        outbox.acknowledge(upTo: 2)
        XCTAssertEqual(seqs(outbox), [3, 4, 5])
    }

    func testOlderAcknowledgementChangesNothing() {
        var outbox = filledOutbox(5)
        outbox.acknowledge(upTo: 3)
        outbox.acknowledge(upTo: 1)
        outbox.acknowledge(upTo: 0)
        outbox.acknowledge(upTo: -5)
        XCTAssertEqual(seqs(outbox), [4, 5])
    }

    func testAcknowledgeAllEmptiesTheOutbox() {
        var outbox = filledOutbox(3)
        outbox.acknowledge(upTo: 3)
        XCTAssertTrue(outbox.isEmpty)
        outbox.acknowledge(upTo: 3)
        XCTAssertTrue(outbox.isEmpty)
    }

    func testAcknowledgeBeyondLastSeqEmptiesTheOutbox() {
        var outbox = filledOutbox(3)
        outbox.acknowledge(upTo: 99)
        XCTAssertTrue(outbox.isEmpty)
        XCTAssertEqual(outbox.lastSeq, 3)
    }

    func testAcknowledgeOnEmptyOutboxIsHarmless() {
        var outbox = Outbox()
        outbox.acknowledge(upTo: 10)
        XCTAssertTrue(outbox.isEmpty)
        XCTAssertEqual(outbox.append(.run(.code("a()"))), 1)
    }

    func testAcknowledgeAcrossGapsLeftByCoalescing() {
        var outbox = Outbox()
        outbox.append(.run(.code("a=1")), coalescingKey: "a")  // 1, coalesced away
        outbox.append(.run(.code("f()")))  // 2
        outbox.append(.run(.code("a=2")), coalescingKey: "a")  // 3
        outbox.append(.run(.code("g()")))  // 4
        outbox.coalesce()
        XCTAssertEqual(seqs(outbox), [2, 3, 4])
        outbox.acknowledge(upTo: 1)
        XCTAssertEqual(seqs(outbox), [2, 3, 4])
        outbox.acknowledge(upTo: 3)
        XCTAssertEqual(seqs(outbox), [4])
    }

    // MARK: Coalescing

    func testCoalesceKeepsTheNewestAssignmentPerTarget() {
        var outbox = Outbox()
        outbox.append(.run(.code("a=1")), coalescingKey: "a")
        outbox.append(.run(.code("b=1")), coalescingKey: "b")
        outbox.append(.run(.code("a=2")), coalescingKey: "a")
        outbox.append(.run(.code("a=3")), coalescingKey: "a")
        XCTAssertEqual(outbox.coalesce(), 2)
        XCTAssertEqual(code(outbox), ["b=1", "a=3"])
        XCTAssertEqual(seqs(outbox), [2, 4])
    }

    func testCoalesceNeverDropsReadsOrStatements() {
        var outbox = Outbox()
        outbox.append(.run(.code("x=1")), coalescingKey: "x")
        outbox.append(.read(.code("x")), readID: 1)
        outbox.append(.run(.code("alert(1)")))
        outbox.append(.read(.code("x")), readID: 2)
        outbox.append(.run(.code("alert(1)")))
        outbox.append(.run(.code("x=2")), coalescingKey: "x")
        XCTAssertEqual(outbox.coalesce(), 1)
        XCTAssertEqual(outbox.commands, [
            Outbox.Command(seq: 2, operation: .read(.code("x")), readID: 1, coalescingKey: nil),
            Outbox.Command(seq: 3, operation: .run(.code("alert(1)")), readID: nil, coalescingKey: nil),
            Outbox.Command(seq: 4, operation: .read(.code("x")), readID: 2, coalescingKey: nil),
            Outbox.Command(seq: 5, operation: .run(.code("alert(1)")), readID: nil, coalescingKey: nil),
            Outbox.Command(seq: 6, operation: .run(.code("x=2")), readID: nil, coalescingKey: "x"),
        ])
    }

    func testCoalesceWithNothingToDropChangesNothing() {
        var outbox = Outbox()
        outbox.append(.run(.code("a=1")), coalescingKey: "a")
        outbox.append(.run(.code("b=1")), coalescingKey: "b")
        outbox.append(.run(.code("f()")))
        let before = outbox.commands
        XCTAssertEqual(outbox.coalesce(), 0)
        XCTAssertEqual(outbox.commands, before)
        XCTAssertEqual(outbox.lastSeq, 3)
    }

    func testCoalesceTwiceDropsNothingMore() {
        var outbox = Outbox()
        outbox.append(.run(.code("a=1")), coalescingKey: "a")
        outbox.append(.run(.code("a=2")), coalescingKey: "a")
        XCTAssertEqual(outbox.coalesce(), 1)
        XCTAssertEqual(outbox.coalesce(), 0)
        XCTAssertEqual(code(outbox), ["a=2"])
    }

    func testCoalesceDoesNotRenumber() {
        var outbox = Outbox()
        outbox.append(.run(.code("a=1")), coalescingKey: "a")
        outbox.append(.run(.code("a=2")), coalescingKey: "a")
        outbox.coalesce()
        XCTAssertEqual(outbox.append(.run(.code("b()"))), 3)
        XCTAssertEqual(seqs(outbox), [2, 3])
    }

    // MARK: Poll response

    func testPollResponseJSONHasSeqReadIDAndTheOperation() throws {
        var outbox = Outbox()
        let write = PageOperation.assign(target: .member("innerHTML", of: .element("a")), value: .literal(.string("</script>")))
        outbox.append(write, coalescingKey: "x")
        outbox.append(.read(.code("compute(1)")), readID: 42)
        XCTAssertEqual(
            ProtocolCodec.encode(PollReply(commands: outbox.pageCommands)),
            #"{"commands":[{"seq":1,"op":"assign","target":{"member":"innerHTML","of":{"element":"a"}},"value":{"value":"\u003c/script>"}},"#
                + #"{"seq":2,"id":42,"expr":{"code":"compute(1)"},"op":"read"}]}"#
        )
        let parsed = try JSONParser.parse(ProtocolCodec.encode(PollReply(commands: outbox.pageCommands)))
        guard case .array(let items)? = parsed["commands"] else { return XCTFail("no commands in \(parsed)") }
        XCTAssertEqual(try items.map { try PageOperation(json: $0) }, [write, .read(.code("compute(1)"))])
        XCTAssertEqual(items.map { $0["seq"]?.intValue }, [1, 2])
        XCTAssertEqual(items.map { $0["id"]?.intValue }, [nil, 42])
    }

    func testPollResponseCarriesOnlyUnacknowledgedCommands() throws {
        var outbox = filledOutbox(3)
        outbox.acknowledge(upTo: 2)
        let parsed = try JSONParser.parse(ProtocolCodec.encode(PollReply(commands: outbox.pageCommands)))
        XCTAssertEqual(parsed, .object(["commands": .array([
            .object(["seq": .number("3"), "op": .string("run"), "expr": .object(["code": .string("s3()")])]),
        ])]))
    }

    func testPollResponseJSONParsesForHostileCode() throws {
        var outbox = Outbox()
        let hostile = ["\"\\\n\u{0}\u{2028}\u{2029}", "😀</SCRIPT>", "\u{1f}\t"]
        for js in hostile { outbox.append(.run(.code(js))) }
        let text = ProtocolCodec.encode(PollReply(commands: outbox.pageCommands))
        XCTAssertFalse(text.contains("<"))
        XCTAssertFalse(text.unicodeScalars.contains("\u{2028}"))
        let commands = try JSONParser.parse(text)["commands"]
        guard case .array(let items)? = commands else { return XCTFail("no commands array in \(text)") }
        XCTAssertEqual(items.map { (try? PageOperation(json: $0))?.code }, hostile.map { Optional($0) })
        XCTAssertEqual(items.map { $0["seq"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(items.map { $0["id"] }, [nil, nil, nil])
    }
}
