import Foundation
import Synchronization
import TetherSupport
import XCTest
@testable import TetherHTTP

/// At the connection cap, busy keep-alive clients cannot lock a real client out, and what
/// the server does about them is logged as one line per interval.
final class ConnectionCapTests: XCTestCase {
    func testSixHundredKeepAliveClientsAtTheCapDoNotLockOutARealRequest() throws {
        ProcessFigures.raiseDescriptorLimit(to: 2000)
        let server = try startHTTPServer({ $0.maxConnections = 600 }, handler: echoHandler)
        defer { server.stop() }
        // 600 keep-alive connections, each having made a request: the cap is full.
        var flood: [RawConnection] = []
        for i in 0..<600 {
            let connection = try RawConnection(port: server.port)
            XCTAssertEqual(connection.request("GET", "/flood/\(i)", timeout: 5)?.status, 200)
            flood.append(connection)
        }
        XCTAssertEqual(server.connectionCount, 600)

        // They keep sending a request every so often (well under the idle timeout), and
        // reconnect when the server closed theirs; meanwhile a real client comes five times.
        let stop = Atomic<Bool>(false)
        let reconnects = Atomic<Int>(0)
        let box = UncheckedBox(flood)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var connections = box.value
            while !stop.load(ordering: .relaxed) {
                for index in connections.indices where !stop.load(ordering: .relaxed) {
                    if connections[index].request("GET", "/again", timeout: 2)?.status != 200,
                       let fresh = try? RawConnection(port: server.port) {
                        reconnects.add(1, ordering: .relaxed)
                        _ = fresh.request("GET", "/again", timeout: 2)
                        connections[index] = fresh
                    }
                    usleep(1_000)
                }
            }
            done.signal()
        }
        defer {
            stop.store(true, ordering: .relaxed)
            _ = done.wait(timeout: .now() + 10)
        }
        for attempt in 0..<5 {
            let started = Date()
            let result = try curl(["http://127.0.0.1:\(server.port)/real/\(attempt)"], timeout: 5)
            XCTAssertEqual(result.status, 200, "attempt \(attempt): the real client was locked out (\(result.stderr))")
            XCTAssertEqual(result.body, "GET /real/\(attempt) 0")
            XCTAssertLessThan(Date().timeIntervalSince(started), 1.0, "attempt \(attempt) took too long")
            usleep(200_000)
        }
        XCTAssertLessThanOrEqual(server.connectionCount, 600)
    }

    func testReclaimedConnectionsAreLoggedAsOneLinePerInterval() throws {
        let lines = Mutex<[String]>([])
        var configuration = HTTPConfiguration()
        configuration.port = 0
        configuration.maxConnections = 2
        configuration.limitLogInterval = .seconds(2)
        let log = Log(level: .info) { line in lines.withLock { $0.append(line) } }
        let server = try HTTPServer(configuration: configuration, handler: echoHandler, log: log)
        server.start()
        defer { server.stop() }

        // Twenty clients in turn, each making a request and staying open: each new one
        // closes the one idle longest.
        var clients: [RawConnection] = []
        for i in 0..<22 {
            let client = try RawConnection(port: server.port)
            XCTAssertEqual(client.request("GET", "/\(i)", timeout: 5)?.status, 200)
            clients.append(client)
        }
        let first = lines.withLock { $0 }
        XCTAssertEqual(first.count, 1, "one line for the first reclaim, not one each: \(first)")
        XCTAssertTrue(first.first?.contains("closing the connection idle longest") ?? false, "\(first)")
        XCTAssertTrue(pollUntil(timeout: 5) { lines.withLock { $0.count } >= 2 }, "no summary line after the interval")
        let summary = lines.withLock { $0[1] }
        XCTAssertTrue(summary.hasPrefix("<4>connection limits in the last 2 s: closed 19 idle keep-alive connection(s)"), summary)
        XCTAssertEqual(server.connectionCount, 2)
    }
}
