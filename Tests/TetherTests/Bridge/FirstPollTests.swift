import Synchronization
import XCTest
@testable import TetherBridge
@testable import TetherHTTP

/// A page's first poll opens its session (and makes its app) on a worker, not on the I/O
/// thread; when a call of the page opens the session first, the call's thread parks the
/// waiting poll at once, so a call reading from its page never waits behind itself.
final class FirstPollTests: XCTestCase {
    /// Keeps the work it is given for a worker until the test runs it, as a pool whose every
    /// worker is busy would.
    final class QueuedResponder: HTTPResponder {
        private struct State {
            var jobs: [@Sendable () -> Void] = []
            var response: HTTPResponse?
        }
        private let state = Mutex(State())

        func send(_ response: HTTPResponse) { state.withLock { if $0.response == nil { $0.response = response } } }
        func runOnWorker(_ body: @escaping @Sendable () -> Void) { state.withLock { $0.jobs.append(body) } }
        func whenUnanswered(after delay: Duration, _ body: @escaping @Sendable () -> Void) {}
        func whenClientGone(_ body: @escaping @Sendable () -> Void) {}

        var response: HTTPResponse? { state.withLock { $0.response } }
        var queuedJobs: Int { state.withLock { $0.jobs.count } }

        func runQueuedJobs() {
            let jobs = state.withLock { state in
                defer { state.jobs = [] }
                return state.jobs
            }
            for job in jobs { job() }
        }
    }

    func testAFirstPollOpensItsSessionOnAWorker() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.loadPage())
        let poll = QueuedResponder()
        harness.bridge.respond(to: Self.next(id), responder: poll)
        XCTAssertEqual(poll.queuedJobs, 1)
        XCTAssertNil(harness.endpoint(id), "the app was made on the I/O thread")
        XCTAssertNil(harness.bridge.registry.session(id))

        poll.runQueuedJobs()
        let session = try XCTUnwrap(harness.bridge.registry.session(id), "the worker did not open the session")
        XCTAssertTrue(session.isHoldingPoll)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.opened }, true)
        session.queue(.run(.code("x = 1")))
        XCTAssertEqual(poll.response?.status, .ok)
        XCTAssertTrue(poll.response?.text.contains("x = 1") == true, poll.response?.text ?? "no answer")
    }

    func testACallThatOpensTheSessionFirstParksTheWaitingPoll() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.loadPage())
        let poll = QueuedResponder()
        harness.bridge.respond(to: Self.next(id), responder: poll)
        XCTAssertNil(harness.bridge.registry.session(id))

        // The page's call opens the session on another worker; the poll's worker has not come.
        XCTAssertEqual(harness.post(session: id, #""task":"call","function":"echo","args":[1]"#).status, .ok)
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        XCTAssertTrue(session.isHoldingPoll, "the first poll still waits for a worker")
        session.queue(.run(.code("x = 1")))
        XCTAssertEqual(poll.response?.status, .ok)
        XCTAssertTrue(poll.response?.text.contains("x = 1") == true, poll.response?.text ?? "no answer")

        // When a worker reaches the poll's job, the poll has been taken up: nothing happens twice.
        poll.runQueuedJobs()
        XCTAssertTrue(session.isOpen)
        XCTAssertNil(session.closeReason)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.calls.count }, 1)
    }

    private static func next(_ id: String) -> HTTPRequest {
        HTTPRequest(method: "POST", target: "/_process_srv0",
                    headers: ["Host": "127.0.0.1:8080", "Content-Type": "application/json"],
                    body: Array("{\"session\":\"\(id)\",\"task\":\"next\",\"ack\":0}".utf8))
    }
}
