import Foundation
import XCTest
@testable import TetherHTTP

/// Connections wait in epoll: ten thousand of them cost no threads, and the server still answers.
final class IdleConnectionsTests: XCTestCase {
    func testTenThousandOpenConnectionsHoldNoThreads() throws {
        // The server is tetherd in its own process (it raises its own limit); this process
        // holds the client ends and raises its limit for them.
        let needed = 10_000 + 200
        guard ProcessFigures.raiseDescriptorLimit(to: needed) >= needed else {
            throw XCTSkip("the descriptor limit (hard \(ProcessFigures.raiseDescriptorLimit(to: needed))) is below \(needed)")
        }
        let daemon = try TetherdProcess(["--port", "0", "--www", TestPaths.www])
        let port = try XCTUnwrap(daemon.waitForListeningPort(), "tetherd did not start: \(daemon.stderr)")
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200)
        let threadsBefore = ProcessFigures.threadCount(pid: daemon.pid)

        let crowd = SocketCrowd()
        try crowd.connect(10_000, port: port)
        // Every connection is accepted and open (none refused, none reclaimed).
        let health = try curl(["http://127.0.0.1:\(port)/_health"])
        XCTAssertEqual(health.status, 200, "a real request was not answered beside 10,000 connections")
        let threadsAfter = ProcessFigures.threadCount(pid: daemon.pid)
        XCTAssertLessThanOrEqual(threadsAfter - threadsBefore, 2,
                                 "10,000 connections took \(threadsAfter - threadsBefore) threads (\(threadsBefore) before)")
        for fd in crowd.descriptors.prefix(100) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            XCTAssertEqual(poll(&pfd, 1, 0), 0, "the server closed or answered a silent connection")
        }
        withExtendedLifetime(crowd) {}
    }
}
