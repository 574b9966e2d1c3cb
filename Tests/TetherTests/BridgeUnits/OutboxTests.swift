import XCTest
@testable import TetherBridge

final class OutboxTests: XCTestCase {
    private func seqs(_ outbox: Outbox) -> [Int] { outbox.commands.map(\.seq) }
    private func code(_ outbox: Outbox) -> [String] { outbox.commands.map(\.js) }

    private func filledOutbox(_ count: Int) -> Outbox {
        var outbox = Outbox()
        for n in 1...count { outbox.append(js: "s\(n)()") }
        return outbox
    }

    // MARK: Sequence numbers

    func testNewOutboxIsEmpty() {
        let outbox = Outbox()
        XCTAssertTrue(outbox.isEmpty)
        XCTAssertEqual(outbox.count, 0)
        XCTAssertEqual(outbox.lastSeq, 0)
        XCTAssertEqual(outbox.pollResponseJSON, #"{"commands":[]}"#)
    }

    func testSeqIncreasesFromOne() {
        var outbox = Outbox()
        XCTAssertEqual(outbox.append(js: "a()"), 1)
        XCTAssertEqual(outbox.append(js: "b()", readID: 7), 2)
        XCTAssertEqual(outbox.append(js: "c=1", target: "c"), 3)
        XCTAssertEqual(outbox.lastSeq, 3)
        XCTAssertEqual(outbox.count, 3)
        XCTAssertEqual(outbox.commands, [
            Outbox.Command(seq: 1, js: "a()", readID: nil, target: nil),
            Outbox.Command(seq: 2, js: "b()", readID: 7, target: nil),
            Outbox.Command(seq: 3, js: "c=1", readID: nil, target: "c"),
        ])
    }

    func testSeqKeepsIncreasingAfterAcknowledgeAndRemoveAll() {
        var outbox = filledOutbox(3)
        outbox.acknowledge(upTo: 3)
        XCTAssertEqual(outbox.append(js: "d()"), 4)
        outbox.removeAll()
        XCTAssertTrue(outbox.isEmpty)
        XCTAssertEqual(outbox.append(js: "e()"), 5)
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
        XCTAssertEqual(outbox.append(js: "a()"), 1)
    }

    func testAcknowledgeAcrossGapsLeftByCoalescing() {
        var outbox = Outbox()
        outbox.append(js: "a=1", target: "a")  // 1, coalesced away
        outbox.append(js: "f()")  // 2
        outbox.append(js: "a=2", target: "a")  // 3
        outbox.append(js: "g()")  // 4
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
        outbox.append(js: "a=1", target: "a")
        outbox.append(js: "b=1", target: "b")
        outbox.append(js: "a=2", target: "a")
        outbox.append(js: "a=3", target: "a")
        XCTAssertEqual(outbox.coalesce(), 2)
        XCTAssertEqual(code(outbox), ["b=1", "a=3"])
        XCTAssertEqual(seqs(outbox), [2, 4])
    }

    func testCoalesceNeverDropsReadsOrStatements() {
        var outbox = Outbox()
        outbox.append(js: "x=1", target: "x")
        outbox.append(js: "x", readID: 1)
        outbox.append(js: "alert(1)")
        outbox.append(js: "x", readID: 2)
        outbox.append(js: "alert(1)")
        outbox.append(js: "x=2", target: "x")
        XCTAssertEqual(outbox.coalesce(), 1)
        XCTAssertEqual(outbox.commands, [
            Outbox.Command(seq: 2, js: "x", readID: 1, target: nil),
            Outbox.Command(seq: 3, js: "alert(1)", readID: nil, target: nil),
            Outbox.Command(seq: 4, js: "x", readID: 2, target: nil),
            Outbox.Command(seq: 5, js: "alert(1)", readID: nil, target: nil),
            Outbox.Command(seq: 6, js: "x=2", readID: nil, target: "x"),
        ])
    }

    func testCoalesceWithNothingToDropChangesNothing() {
        var outbox = Outbox()
        outbox.append(js: "a=1", target: "a")
        outbox.append(js: "b=1", target: "b")
        outbox.append(js: "f()")
        let before = outbox.commands
        XCTAssertEqual(outbox.coalesce(), 0)
        XCTAssertEqual(outbox.commands, before)
        XCTAssertEqual(outbox.lastSeq, 3)
    }

    func testCoalesceTwiceDropsNothingMore() {
        var outbox = Outbox()
        outbox.append(js: "a=1", target: "a")
        outbox.append(js: "a=2", target: "a")
        XCTAssertEqual(outbox.coalesce(), 1)
        XCTAssertEqual(outbox.coalesce(), 0)
        XCTAssertEqual(code(outbox), ["a=2"])
    }

    func testCoalesceDoesNotRenumber() {
        var outbox = Outbox()
        outbox.append(js: "a=1", target: "a")
        outbox.append(js: "a=2", target: "a")
        outbox.coalesce()
        XCTAssertEqual(outbox.append(js: "b()"), 3)
        XCTAssertEqual(seqs(outbox), [2, 3])
    }

    // MARK: Poll response

    func testPollResponseJSONHasSeqJsAndReadID() throws {
        var outbox = Outbox()
        outbox.append(js: #"document.getElementById("a").innerHTML="</script>""#, target: "x")
        outbox.append(js: "compute(1)", readID: 42)
        XCTAssertEqual(
            outbox.pollResponseJSON,
            #"{"commands":[{"seq":1,"js":"document.getElementById(\"a\").innerHTML=\"\u003c/script>\""},{"seq":2,"js":"compute(1)","id":42}]}"#
        )
        let parsed = try JSONParser.parse(outbox.pollResponseJSON)
        XCTAssertEqual(parsed, .object(["commands": .array([
            .object(["seq": .number("1"), "js": .string(#"document.getElementById("a").innerHTML="</script>""#)]),
            .object(["seq": .number("2"), "js": .string("compute(1)"), "id": .number("42")]),
        ])]))
    }

    func testPollResponseCarriesOnlyUnacknowledgedCommands() throws {
        var outbox = filledOutbox(3)
        outbox.acknowledge(upTo: 2)
        let parsed = try JSONParser.parse(outbox.pollResponseJSON)
        XCTAssertEqual(parsed, .object(["commands": .array([.object(["seq": .number("3"), "js": .string("s3()")])])]))
    }

    func testPollResponseJSONParsesForHostileCode() throws {
        var outbox = Outbox()
        let hostile = ["\"\\\n\u{0}\u{2028}\u{2029}", "😀</SCRIPT>", "\u{1f}\t"]
        for js in hostile { outbox.append(js: js) }
        let text = outbox.pollResponseJSON
        XCTAssertFalse(text.contains("<"))
        XCTAssertFalse(text.unicodeScalars.contains("\u{2028}"))
        let commands = try JSONParser.parse(text)["commands"]
        guard case .array(let items)? = commands else { return XCTFail("no commands array in \(text)") }
        XCTAssertEqual(items.map { $0["js"]?.stringValue }, hostile.map { Optional($0) })
        XCTAssertEqual(items.map { $0["seq"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(items.map { $0["id"] }, [nil, nil, nil])
    }
}
