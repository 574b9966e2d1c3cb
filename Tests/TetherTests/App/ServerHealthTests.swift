import Foundation
import Tether
import TetherDemos
import XCTest

/// `Server.health` and `Server.configure`, the public API a supervisor such as the daemon
/// uses; this file imports Tether without `@testable`, as an app's own supervisor would.
final class ServerHealthTests: XCTestCase {
    private func makeServer() -> Server {
        var configuration = Server.Configuration()
        configuration.http.port = 0
        configuration.www = TestPaths.www
        configuration.log = Log(level: .error) { _ in }
        configuration.bridge.pollHold = .milliseconds(100)
        return Server(configuration: configuration, defaultApp: Counter.self)
    }

    func testHealthIsNilUntilStartAndAgainAfterStop() throws {
        let server = makeServer()
        XCTAssertNil(server.health)
        try server.start()
        let health = try XCTUnwrap(server.health)
        XCTAssertTrue(health.isAccepting)
        XCTAssertTrue(health.isSweeperAlive)
        XCTAssertEqual(health.openSessions, 0)
        server.stop()
        XCTAssertNil(server.health)
    }

    func testHealthCountsOpenSessionsAndTheTimeSinceAPollArrived() throws {
        let server = makeServer()
        try server.start()
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let page = try curl([base + "/index.html"])
        let id = try XCTUnwrap(page.headers["x-tether-session"])
        let call = try curl(["-H", "Content-Type: application/json",
                             "-d", #"{"session":"\#(id)","task":"call","function":"increment","args":[]}"#,
                             base + "/_process_srv0"])
        XCTAssertEqual(call.status, 200, call.body)
        XCTAssertEqual(server.health?.openSessions, 1)

        Thread.sleep(forTimeInterval: 1)
        let beforePoll = try XCTUnwrap(server.health?.secondsSinceAPollArrived)
        XCTAssertGreaterThanOrEqual(beforePoll, 1, "no page has polled yet: the time since the start")
        let poll = try curl(["-H", "Content-Type: application/json",
                             "-d", #"{"session":"\#(id)","task":"next","ack":0,"results":[]}"#,
                             base + "/_process_srv0"])
        XCTAssertEqual(poll.status, 200, poll.body)
        let afterPoll = try XCTUnwrap(server.health?.secondsSinceAPollArrived)
        XCTAssertLessThan(afterPoll, 0.9, "a poll arrived just now")
    }

    func testConfigureChangesTheServerUntilItStarts() throws {
        let server = makeServer()
        try server.configure { $0.evalTimeout = .seconds(3) }
        XCTAssertEqual(server.configuration.evalTimeout, .seconds(3))
        try server.start()
        defer { server.stop() }
        XCTAssertThrowsError(try server.configure { $0.evalTimeout = .seconds(4) }) {
            XCTAssertEqual($0 as? ServerError, .alreadyRunning)
        }
        XCTAssertEqual(server.configuration.evalTimeout, .seconds(3))
    }
}
