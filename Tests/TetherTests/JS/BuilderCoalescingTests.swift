import XCTest
@testable import Tether
@testable import TetherBridge

/// A page's builder writes go to its outbox as operations with their coalescing key: a full
/// outbox keeps only the newest pure write to each target, as when they were code.
final class BuilderCoalescingTests: XCTestCase {
    private func session(maxOutbox: Int) throws -> (BridgeHarness, Session, String) {
        let harness = try BridgeHarness { $0.maxOutbox = maxOutbox }
        let id = try XCTUnwrap(harness.openPage())
        return (harness, try XCTUnwrap(harness.bridge.registry.session(id)), id)
    }

    func testPureWritesToOneTargetCoalesce() throws {
        let (harness, session, id) = try session(maxOutbox: 5)
        let js = JS(sink: SessionSink(session: session))
        for n in 1...100 { js.dom.t.innerHTML = n }
        XCTAssertTrue(session.isOpen)
        XCTAssertLessThanOrEqual(session.pendingCommandCount, 5)
        guard case .array(let commands)? = harness.post(session: id, "\"task\":\"next\",\"ack\":0").json?["commands"] else {
            return XCTFail("no commands")
        }
        let operations = try commands.map { try PageOperation(json: $0) }
        XCTAssertEqual(operations.last, .assign(target: .member("innerHTML", of: .element("t")), value: .literal(.number("100"))))
        XCTAssertEqual(operations.map(\.code).filter { $0.hasSuffix("innerHTML=1") }, [], "the first write was dropped")
    }

    func testWritesThroughACallNeverCoalesceAndOverflowClosesThePage() throws {
        let (_, session, _) = try session(maxOutbox: 5)
        let js = JS(sink: SessionSink(session: session))
        for n in 1...6 { js.f().x = n }
        XCTAssertFalse(session.isOpen)
        XCTAssertEqual(session.closeReason, .outboxOverflow)
    }
}
