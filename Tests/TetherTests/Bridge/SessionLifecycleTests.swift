import TetherSupport
import XCTest
@testable import TetherBridge
@testable import TetherHTTP

/// Expiry, unload and the outbox bound: a session never outlives its page, nothing grows without bound.
final class SessionLifecycleTests: XCTestCase {
    func testPageThatNeverPollsIsClosedAfterFirstPollTimeout() throws {
        let harness = try BridgeHarness { $0.firstPollTimeout = .milliseconds(50) }
        let id = try XCTUnwrap(harness.openPage())
        harness.bridge.registry.sweep()
        XCTAssertEqual(harness.bridge.registry.count, 1, "not yet expired")
        usleep(120_000)
        harness.bridge.registry.sweep()
        XCTAssertEqual(harness.bridge.registry.count, 0)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.closed }, .neverPolled)
        XCTAssertEqual(harness.post(session: id, "\"task\":\"next\",\"ack\":0").status, .gone)
    }

    func testPageThatStopsPollingIsClosedAfterPollGapTimeout() throws {
        let harness = try BridgeHarness {
            $0.pollGapTimeout = .milliseconds(80)
            $0.pollHold = .milliseconds(10)
        }
        let id = try XCTUnwrap(harness.openPage())
        XCTAssertEqual(harness.post(session: id, "\"task\":\"next\",\"ack\":0").status, .ok)
        harness.bridge.registry.sweep()
        XCTAssertEqual(harness.bridge.registry.count, 1)
        usleep(150_000)
        harness.bridge.registry.sweep()
        XCTAssertEqual(harness.bridge.registry.count, 0)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.closed }, .stoppedPolling)
    }

    func testSweeperThreadClosesExpiredSessionsByItself() throws {
        let harness = try BridgeHarness {
            $0.firstPollTimeout = .milliseconds(30)
            $0.sweepInterval = .milliseconds(20)
        }
        harness.bridge.registry.startSweeper()
        defer { harness.bridge.registry.stopSweeper() }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        XCTAssertTrue(session.waitUntilClosed(timeout: .seconds(5)))
        XCTAssertEqual(session.closeReason, .neverPolled)
        XCTAssertTrue(harness.bridge.registry.isSweeperAlive)
    }

    func testFullOutboxCoalescesWritesToTheSameTarget() throws {
        let harness = try BridgeHarness { $0.maxOutbox = 5 }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        for n in 1...100 { session.queue(.run(.code("t=\(n)")), coalescingKey: "t") }
        XCTAssertTrue(session.isOpen)
        XCTAssertLessThanOrEqual(session.pendingCommandCount, 5)
        let body = harness.post(session: id, "\"task\":\"next\",\"ack\":0").text
        XCTAssertTrue(body.contains("{\"code\":\"t=100\"}"), body)
        XCTAssertFalse(body.contains("{\"code\":\"t=1\"}"), body)
    }

    func testOutboxThatCannotCoalesceClosesTheSession() throws {
        let harness = try BridgeHarness { $0.maxOutbox = 3 }
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        for n in 1...3 { XCTAssertTrue(session.queue(.run(.code("f\(n)()")))) }
        XCTAssertTrue(session.isOpen)
        session.queue(.run(.code("f4()")))
        XCTAssertFalse(session.isOpen)
        XCTAssertEqual(session.closeReason, .outboxOverflow)
        XCTAssertEqual(harness.bridge.registry.count, 0)
        XCTAssertFalse(session.queue(.run(.code("f5()"))), "writes to a closed page are refused")
    }

    func testClosedSessionFreesItsEndpoint() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let session = try XCTUnwrap(harness.bridge.registry.session(id))
        weak let endpoint = harness.endpoint(id)
        harness.endpoints.removeAll()
        XCTAssertNotNil(endpoint)
        session.close(.unloaded)
        XCTAssertNil(endpoint, "the session let go of its app")
    }

    func testGivingWayAtTheLimitIsOneSummaryLinePerSweepNotOnePerPage() throws {
        let lines = LockedLines()
        var configuration = BridgeConfiguration()
        configuration.maxSessions = 2
        let registry = SessionRegistry(configuration: configuration, log: Log(sink: lines.append))
        let first = try registry.create(pagePath: "a.html")
        for _ in 0..<50 { _ = try registry.create(pagePath: "a.html") }
        XCTAssertEqual(first.closeReason, .gaveWay)
        XCTAssertEqual(registry.count, 2)
        XCTAssertEqual(lines.all, [], "nothing logged per page")
        registry.sweep()
        XCTAssertEqual(lines.all, ["<4>session limit (2) reached: 49 silent session(s) gave way to new pages, "
            + "0 page(s) refused because every open page holds a live poll\n"])
        registry.sweep()
        XCTAssertEqual(lines.all.count, 1, "quiet when nothing gave way")
    }
}
