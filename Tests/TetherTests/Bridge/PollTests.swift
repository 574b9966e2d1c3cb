import XCTest
import Synchronization
@testable import TetherBridge
@testable import TetherHTTP

/// Long-poll delivery: ordered, acknowledged, resent after loss, one live poll per page.
final class PollTests: XCTestCase {
    private func commands(_ response: HTTPResponse) -> [(seq: Int, js: String, id: Int?)] {
        guard case .array(let items)? = response.json?["commands"] else { return [] }
        return items.compactMap { item in
            guard let seq = item["seq"]?.intValue, let js = item["js"]?.stringValue else { return nil }
            return (seq, js, item["id"]?.intValue)
        }
    }

    func testNextReturnsQueuedCommandsInOrderWithIncreasingSeq() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        for n in 1...3 { session.queue("x=\(n)") }
        let batch = commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0"))
        XCTAssertEqual(batch.map(\.js), ["x=1", "x=2", "x=3"])
        XCTAssertEqual(batch.map(\.seq), [1, 2, 3])
    }

    func testHeldPollEndsEmptyWhenNothingIsQueued() throws {
        let harness = try BridgeHarness { $0.pollHold = .milliseconds(150) }
        let id = try XCTUnwrap(harness.openPage())
        let response = harness.post(session: id, "\"task\":\"next\",\"ack\":0")
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.text, "{\"commands\":[]}")
    }

    func testCommandsStayQueuedUntilAcknowledged() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        session.queue("a=1")
        session.queue("b=2")
        // The page never got the first answer: it polls again with the old ack.
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0")).map(\.js), ["a=1", "b=2"])
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0")).map(\.js), ["a=1", "b=2"])
        session.queue("c=3")
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":1")).map(\.js), ["b=2", "c=3"])
        XCTAssertEqual(session.pendingCommandCount, 2)
        _ = harness.bridge.registry.session(id)?.queue("d=4")
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":3")).map(\.seq), [4])
    }

    func testQueuedCommandWakesHeldPoll() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let answered = expectation(description: "poll answered")
        let body = Mutex("")
        DispatchQueue.global().async {
            body.withLock { $0 = harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
            answered.fulfill()
        }
        waitUntilPollIsHeld(session)
        session.queue("hello=1")
        wait(for: [answered], timeout: 5)
        XCTAssertEqual(body.withLock { $0 }, "{\"commands\":[{\"seq\":1,\"js\":\"hello=1\"}]}")
    }

    func testNewerPollEndsOlderAtOnce() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let olderEnded = expectation(description: "older poll ended")
        let olderBody = Mutex("")
        DispatchQueue.global().async {
            olderBody.withLock { $0 = harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
            olderEnded.fulfill()
        }
        waitUntilPollIsHeld(session)
        let newerEnded = expectation(description: "newer poll ended")
        DispatchQueue.global().async {
            _ = harness.post(session: id, "\"task\":\"next\",\"ack\":0")
            newerEnded.fulfill()
        }
        wait(for: [olderEnded], timeout: 5)
        XCTAssertEqual(olderBody.withLock { $0 }, "{\"commands\":[]}")
        session.queue("z=1")  // releases the newer poll
        wait(for: [newerEnded], timeout: 5)
    }

    func testReadIsAnsweredThroughResultsOfNextPoll() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let outcome = Mutex<ReadOutcome?>(nil)
        let done = expectation(description: "read done")
        DispatchQueue.global().async {
            outcome.withLock { $0 = session.read("adjust(5)", timeout: .seconds(5)) }
            done.fulfill()
        }
        var batch: [(seq: Int, js: String, id: Int?)] = []
        for _ in 0..<50 where batch.isEmpty {
            batch = commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0"))
        }
        let read = try XCTUnwrap(batch.first)
        XCTAssertEqual(read.js, "adjust(5)")
        let readID = try XCTUnwrap(read.id)
        _ = harness.post(session: id, "\"task\":\"next\",\"ack\":\(read.seq),\"results\":[{\"id\":\(readID),\"value\":6.5}]")
        wait(for: [done], timeout: 5)
        XCTAssertEqual(outcome.withLock { $0 }, .value(.number("6.5")))
    }

    func testReadReportsPageException() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let outcome = Mutex<ReadOutcome?>(nil)
        let done = expectation(description: "read done")
        DispatchQueue.global().async {
            outcome.withLock { $0 = session.read("nope()", timeout: .seconds(5)) }
            done.fulfill()
        }
        var batch: [(seq: Int, js: String, id: Int?)] = []
        for _ in 0..<50 where batch.isEmpty { batch = commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0")) }
        let readID = try XCTUnwrap(batch.first?.id)
        _ = harness.post(session: id, "\"task\":\"next\",\"ack\":1,\"results\":[{\"id\":\(readID),\"error\":\"ReferenceError: nope is not defined\"}]")
        wait(for: [done], timeout: 5)
        XCTAssertEqual(outcome.withLock { $0 }, .exception("ReferenceError: nope is not defined"))
    }

    func testReadTimesOutWhenNobodyPolls() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        XCTAssertEqual(session.read("factor", timeout: .milliseconds(100)), .timedOut)
    }

    func testReadFailsWithClosedWhenPageCloses() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let outcome = Mutex<ReadOutcome?>(nil)
        let done = expectation(description: "read done")
        DispatchQueue.global().async {
            outcome.withLock { $0 = session.read("factor", timeout: .seconds(10)) }
            done.fulfill()
        }
        while session.pendingCommandCount == 0 { usleep(1000) }
        XCTAssertEqual(harness.post(session: id, "\"task\":\"unload\"").status, .noContent)
        wait(for: [done], timeout: 5)
        XCTAssertEqual(outcome.withLock { $0 }, .closed)
        XCTAssertEqual(session.read("factor", timeout: .seconds(1)), .closed)
    }

    func testCallsBatchTheirWritesIntoOnePollAnswer() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let answered = expectation(description: "poll answered")
        let body = Mutex("")
        DispatchQueue.global().async {
            body.withLock { $0 = harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
            answered.fulfill()
        }
        waitUntilPollIsHeld(session)
        session.batch {
            session.queue("a=1")
            session.queue("b=2")
        }
        wait(for: [answered], timeout: 5)
        XCTAssertEqual(body.withLock { $0 }, "{\"commands\":[{\"seq\":1,\"js\":\"a=1\"},{\"seq\":2,\"js\":\"b=2\"}]}")
    }

    func testShutdownEndsHeldPollWith503AndRefusesPages() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let answered = expectation(description: "poll answered")
        let status = Mutex(0)
        DispatchQueue.global().async {
            status.withLock { $0 = harness.post(session: id, "\"task\":\"next\",\"ack\":0").status.code }
            answered.fulfill()
        }
        waitUntilPollIsHeld(session)
        harness.bridge.shutdown()
        wait(for: [answered], timeout: 5)
        XCTAssertEqual(status.withLock { $0 }, 503)
        XCTAssertNil(harness.openPage())
        let health = harness.bridge.respond(to: HTTPRequest(method: "GET", target: "/_health", headers: ["Host": "h"]))
        XCTAssertEqual(health.status, .serviceUnavailable)
    }

    /// Polls until the session holds a poll (a queued command then wakes it).
    private func waitUntilPollIsHeld(_ session: Session, file: StaticString = #filePath, line: UInt = #line) {
        for _ in 0..<2000 {
            if session.isHoldingPoll { return }
            usleep(1000)
        }
        XCTFail("the poll was never held", file: file, line: line)
    }
}
