import XCTest
@testable import TetherBridge
@testable import TetherHTTP

/// A call sent with `"inline": true` gets the writes it made in its own reply, so a click
/// that changes the page costs one exchange instead of two.
final class InlineDeliveryTests: XCTestCase {
    func testInlineCallCarriesItsWritesAndLeavesTheHeldPollWaiting() throws {
        let harness = try BridgeHarness { $0.pollHold = .milliseconds(400) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let poll = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
        while !session.isHoldingPoll { usleep(1000) }
        harness.endpoint(id)?.onCall = { session.queue(.run(.code("count=1")), coalescingKey: "count") }
        let reply = harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"args\":[7],\"inline\":true,\"ack\":0")
        XCTAssertEqual(reply.text, "{\"value\":[7],\"commands\":[{\"seq\":1,\"expr\":{\"code\":\"count=1\"},\"op\":\"run\"}]}")
        XCTAssertTrue(session.isHoldingPoll, "the poll was not woken for a write the reply carries")
        // Unacknowledged, the write stays queued: a poll would still bring it (lossless).
        XCTAssertEqual(poll.result(), "{\"commands\":[{\"seq\":1,\"expr\":{\"code\":\"count=1\"},\"op\":\"run\"}]}")
    }

    func testInlineCallAcknowledgesWhatThePageHasRun() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        session.queue(.run(.code("a=1")))
        session.queue(.run(.code("b=2")))
        let reply = harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"inline\":true,\"ack\":1")
        XCTAssertEqual(reply.text, "{\"value\":[],\"commands\":[{\"seq\":2,\"expr\":{\"code\":\"b=2\"},\"op\":\"run\"}]}")
        XCTAssertEqual(harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"inline\":true,\"ack\":2").text,
                       "{\"value\":[]}")
        XCTAssertEqual(session.pendingCommandCount, 0)
    }

    func testAReadIsNeverInlinedAndWakesThePoll() throws {
        let harness = try BridgeHarness { $0.pollHold = .seconds(10) }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        let poll = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":0").text }
        while !session.isHoldingPoll { usleep(1000) }
        let read = Background { session.read(.code("factor"), timeout: .seconds(5)) }
        XCTAssertEqual(poll.result(), "{\"commands\":[{\"seq\":1,\"id\":1,\"expr\":{\"code\":\"factor\"},\"op\":\"read\"}]}")
        let reply = harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"inline\":true,\"ack\":0")
        XCTAssertEqual(reply.text, "{\"value\":[]}", "its answer can only come with a poll")
        let answering = Background { harness.post(session: id, "\"task\":\"next\",\"ack\":1,\"results\":[{\"id\":1,\"value\":1.3}]").status }
        XCTAssertEqual(read.result(), .value(.number("1.3")))
        session.queue(.run(.code("done=1")))  // ends the answering poll's hold
        XCTAssertEqual(answering.result(), .ok)
    }

    func testWithoutInlineTheReplyCarriesOnlyTheValue() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        harness.endpoint(id)?.onCall = { harness.bridge.registry.session(id)?.queue(.run(.code("x=1"))) }
        XCTAssertEqual(harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\"").text, "{\"value\":[]}")
    }

    func testInlineIsRefusedOutsideCallAndSet() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        XCTAssertEqual(harness.post(session: id, "\"task\":\"next\",\"inline\":true").status, .badRequest)
        XCTAssertEqual(harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"inline\":\"yes\"").status, .badRequest)
        XCTAssertEqual(harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"inline\":true,\"ack\":-1").status, .badRequest)
    }
}
