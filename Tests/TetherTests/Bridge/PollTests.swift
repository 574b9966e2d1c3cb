import XCTest
import Synchronization
@testable import TetherBridge
@testable import TetherHTTP

/// Long-poll delivery: ordered, acknowledged, resent after loss, one live poll per page.
final class PollTests: XCTestCase {
    private func commands(_ response: HTTPResponse) -> [(seq: Int, js: String, id: Int?)] {
        guard case .array(let items)? = response.json?["commands"] else { return [] }
        return items.compactMap { item in
            guard let seq = item["seq"]?.intValue, let js = (try? PageOperation(json: item))?.code else { return nil }
            return (seq, js, item["id"]?.intValue)
        }
    }

    func testNextReturnsQueuedCommandsInOrderWithIncreasingSeq() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        for n in 1...3 { session.queue(.run(.code("x=\(n)"))) }
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
        session.queue(.run(.code("a=1")))
        session.queue(.run(.code("b=2")))
        // The page never got the first answer: it polls again with the old ack.
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0")).map(\.js), ["a=1", "b=2"])
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0")).map(\.js), ["a=1", "b=2"])
        session.queue(.run(.code("c=3")))
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":1")).map(\.js), ["b=2", "c=3"])
        XCTAssertEqual(session.pendingCommandCount, 2)
        _ = harness.bridge.registry.session(id)?.queue(.run(.code("d=4")))
        XCTAssertEqual(commands(harness.post(session: id, "\"task\":\"next\",\"ack\":3")).map(\.seq), [4])
    }

    func testQueuedCommandWakesHeldPoll() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let poll = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
        waitUntilPollIsHeld(session)
        session.queue(.run(.code("hello=1")))
        XCTAssertEqual(poll.result(), "{\"commands\":[{\"seq\":1,\"expr\":{\"code\":\"hello=1\"},\"op\":\"run\"}]}")
    }

    func testNewerPollEndsOlderAtOnce() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let older = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
        waitUntilPollIsHeld(session)
        let newer = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
        XCTAssertEqual(older.result(), "{\"commands\":[]}")
        session.queue(.run(.code("z=1")))  // releases the newer poll
        XCTAssertEqual(newer.result(), "{\"commands\":[{\"seq\":1,\"expr\":{\"code\":\"z=1\"},\"op\":\"run\"}]}")
    }

    func testReadIsAnsweredThroughResultsOfNextPoll() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let read = Background { session.read(.code("adjust(5)"), timeout: .seconds(5)) }
        var batch: [(seq: Int, js: String, id: Int?)] = []
        for _ in 0..<50 where batch.isEmpty {
            batch = commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0"))
        }
        let command = try XCTUnwrap(batch.first)
        XCTAssertEqual(command.js, "adjust(5)")
        let readID = try XCTUnwrap(command.id)
        _ = harness.post(session: id, "\"task\":\"next\",\"ack\":\(command.seq),\"results\":[{\"id\":\(readID),\"value\":6.5}]")
        XCTAssertEqual(read.result(), .value(.number("6.5")))
    }

    func testReadReportsPageException() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let read = Background { session.read(.code("nope()"), timeout: .seconds(5)) }
        var batch: [(seq: Int, js: String, id: Int?)] = []
        for _ in 0..<50 where batch.isEmpty { batch = commands(harness.post(session: id, "\"task\":\"next\",\"ack\":0")) }
        let readID = try XCTUnwrap(batch.first?.id)
        _ = harness.post(session: id, "\"task\":\"next\",\"ack\":1,\"results\":[{\"id\":\(readID),\"error\":\"ReferenceError: nope is not defined\"}]")
        XCTAssertEqual(read.result(), .exception("ReferenceError: nope is not defined"))
    }

    func testReadTimesOutWhenNobodyPolls() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        XCTAssertEqual(session.read(.code("factor"), timeout: .milliseconds(100)), .timedOut)
    }

    func testReadFailsWithClosedWhenPageCloses() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let read = Background { session.read(.code("factor"), timeout: .seconds(10)) }
        while session.pendingCommandCount == 0 { usleep(1000) }
        XCTAssertEqual(harness.post(session: id, "\"task\":\"unload\"").status, .noContent)
        XCTAssertEqual(read.result(), .closed)
        XCTAssertEqual(session.read(.code("factor"), timeout: .seconds(1)), .closed)
    }

    func testCallsBatchTheirWritesIntoOnePollAnswer() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let poll = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
        waitUntilPollIsHeld(session)
        session.batch {
            session.queue(.run(.code("a=1")))
            session.queue(.run(.code("b=2")))
        }
        XCTAssertEqual(poll.result(), "{\"commands\":[{\"seq\":1,\"expr\":{\"code\":\"a=1\"},\"op\":\"run\"},{\"seq\":2,\"expr\":{\"code\":\"b=2\"},\"op\":\"run\"}]}")
    }

    func testShutdownEndsHeldPollWith503AndRefusesPages() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let poll = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":0").status.code }
        waitUntilPollIsHeld(session)
        harness.bridge.shutdown()
        XCTAssertEqual(poll.result(), 503)
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
