import Foundation
import Synchronization
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import Tether
@testable import TetherSystem

/// sd_notify as systemd hears it: the built tetherd talking to a datagram socket of ours.
final class SdNotifyTests: XCTestCase {
    private func launch(_ environment: [String: String], file: StaticString = #filePath, line: UInt = #line) throws -> TetherdProcess {
        _ = try SystemdTools.tetherd(file: file, line: line)
        return try TetherdProcess(["--port", "0", "--www", TestPaths.www], environment: environment)
    }

    private func waitForPort(_ daemon: TetherdProcess, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        guard let port = daemon.waitForListeningPort() else {
            XCTFail("tetherd never logged its address; stderr: \(daemon.stderr)", file: file, line: line)
            throw SdNotifyFailure.notListening
        }
        return port
    }

    enum SdNotifyFailure: Error { case notListening }

    func testReadyWatchdogStatusAndStoppingReachTheNotifySocket() throws {
        let socket = try NotifySocket()
        let daemon = try launch(["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "400000"])
        defer { daemon.kill() }
        var messages: [String] = []

        XCTAssertTrue(socket.receive(into: &messages) { $0.contains { $0.notifyFields.contains("READY=1") } },
                      "no READY=1; got \(messages); stderr: \(daemon.stderr)")
        let ready = messages.first { $0.notifyFields.contains("READY=1") }?.notifyFields ?? []
        XCTAssertTrue(ready.contains("MAINPID=\(daemon.pid)"), "READY without our MAINPID: \(ready)")
        XCTAssertTrue(ready.contains { $0.hasPrefix("STATUS=") }, "READY without STATUS: \(ready)")
        let port = try waitForPort(daemon)

        XCTAssertTrue(socket.receive(into: &messages) { $0.filter { $0.notifyFields.contains("WATCHDOG=1") }.count >= 2 },
                      "fewer than two WATCHDOG=1; got \(messages)")
        XCTAssertTrue(messages.contains { $0.notifyFields.contains("STATUS=serving on port \(port), 0 open sessions") }, "\(messages)")

        // STATUS= follows the open session count: a page's session opens at its first request.
        let page = try curl(["http://127.0.0.1:\(port)/"])
        XCTAssertEqual(page.status, 200)
        let session = try XCTUnwrap(page.headers["x-tether-session"])
        let first = try curl(["-H", "Content-Type: application/json", "-d", "{\"session\":\"\(session)\",\"task\":\"get\",\"property\":\"count\"}",
                              "http://127.0.0.1:\(port)/_process_srv0"])
        XCTAssertEqual(first.body, "{\"value\":0}")
        XCTAssertTrue(socket.receive(into: &messages) { $0.last?.notifyFields.contains("STATUS=serving on port \(port), 1 open session") == true },
                      "the status never showed the open page; got \(messages.suffix(3))")

        daemon.send(SIGTERM)
        XCTAssertTrue(socket.receive(into: &messages) { $0.contains { $0.notifyFields.contains("STOPPING=1") } },
                      "no STOPPING=1 after SIGTERM; got \(messages.suffix(3))")
        XCTAssertEqual(daemon.waitForExit(timeout: 5), 0, daemon.stderr)
        // Nothing pings once stopping was announced.
        while let late = socket.receive(timeout: 0) { messages.append(late) }
        let stopping = messages.firstIndex { $0.notifyFields.contains("STOPPING=1") } ?? messages.endIndex
        XCTAssertFalse(messages[stopping...].contains { $0.notifyFields.contains("WATCHDOG=1") }, "\(messages[stopping...])")
        XCTAssertFalse(daemon.stderrToEnd().contains("<4>"), "warnings: \(daemon.stderrToEnd())")
    }

    func testAbstractNotifySocketGetsReady() throws {
        let socket = try NotifySocket(abstract: true)
        let daemon = try launch(["NOTIFY_SOCKET": socket.address])
        defer { daemon.kill() }
        var messages: [String] = []
        XCTAssertTrue(socket.receive(into: &messages) { $0.contains { $0.notifyFields.contains("READY=1") } },
                      "no READY=1 on \(socket.address); stderr: \(daemon.stderr)")
        daemon.send(SIGTERM)
        XCTAssertTrue(socket.receive(into: &messages) { $0.contains { $0.notifyFields.contains("STOPPING=1") } }, "\(messages)")
        XCTAssertEqual(daemon.waitForExit(timeout: 5), 0)
    }

    func testWatchdogOfAnotherProcessIsNotPinged() throws {
        let socket = try NotifySocket()
        // PID 1 is never tetherd: the variables were meant for some parent.
        let daemon = try launch(["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": "1"])
        defer { daemon.kill() }
        var messages: [String] = []
        // READY, then the status thread's first message, which carries WATCHDOG=1 only if it pings.
        XCTAssertTrue(socket.receive(into: &messages) { $0.count >= 2 }, "got \(messages); stderr: \(daemon.stderr)")
        XCTAssertTrue(messages[0].notifyFields.contains("READY=1"), "\(messages)")
        XCTAssertTrue(messages[1].notifyFields.contains { $0.hasPrefix("STATUS=serving") }, "\(messages)")
        XCTAssertFalse(messages.contains { $0.notifyFields.contains("WATCHDOG=1") }, "\(messages)")
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 5), 0)
    }

    func testBadNotifySocketIsAWarningAndTheDaemonServesOn() throws {
        for (address, warning) in [
            ("relative/notify.sock", "<4>not notifying systemd: NOTIFY_SOCKET='relative/notify.sock' is neither an absolute path nor an abstract name"),
            ("/" + String(repeating: "x", count: 200), "<4>not notifying systemd: NOTIFY_SOCKET='/xxx"),
            ("/nonexistent-\(UUID().uuidString)/notify", "<4>cannot notify systemd (READY=1): sendto /nonexistent-"),
        ] {
            let daemon = try launch(["NOTIFY_SOCKET": address, "WATCHDOG_USEC": "100000"])
            defer { daemon.kill() }
            let port = try waitForPort(daemon)
            XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200, address)
            daemon.send(SIGTERM)
            XCTAssertEqual(daemon.waitForExit(timeout: 5), 0, address)
            let stderr = daemon.stderrToEnd()
            XCTAssertTrue(stderr.contains(warning), "\(address): \(stderr)")
            // One warning, not one per failed ping.
            XCTAssertEqual(stderr.split(separator: "\n").filter { $0.hasPrefix("<4>") }.count, 1, stderr)
            XCTAssertFalse(stderr.contains("Fatal error"), stderr)
        }
    }

    func testGarbledWatchdogUsecIsAWarning() throws {
        let socket = try NotifySocket()
        let daemon = try launch(["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "soon"])
        defer { daemon.kill() }
        var messages: [String] = []
        XCTAssertTrue(socket.receive(into: &messages) { $0.count >= 2 }, "got \(messages); stderr: \(daemon.stderr)")
        XCTAssertFalse(messages.contains { $0.notifyFields.contains("WATCHDOG=1") }, "\(messages)")
        XCTAssertNotNil(daemon.waitForStderrLine(timeout: 5) {
            $0 == "<4>not pinging the systemd watchdog: WATCHDOG_USEC='soon' is not a positive number of microseconds" ? true : nil
        }, daemon.stderr)
    }

    // MARK: The watchdog in process

    /// Log lines kept for assertions.
    final class LogLines: Sendable {
        private let lines = Mutex<[String]>([])
        var log: Log { Log(level: .debug) { line in self.lines.withLock { $0.append(line) } } }
        var all: [String] { lines.withLock { $0 } }
    }

    private func assertStopsPingingWhen(_ kill: (Server) -> Void, reason: String,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let socket = try NotifySocket()
        let lines = LogLines()
        let watchdog = Watchdog(for: server, notifier: try SystemdNotifier(address: socket.address, log: lines.log),
                                pingInterval: .milliseconds(50), log: lines.log)
        XCTAssertTrue(watchdog.start(), file: file, line: line)
        defer { watchdog.stop() }
        var messages: [String] = []
        XCTAssertTrue(socket.receive(into: &messages) { $0.filter { $0.notifyFields.contains("WATCHDOG=1") }.count >= 2 },
                      "no pings from a healthy server: \(messages)", file: file, line: line)

        kill(server)
        XCTAssertTrue(socket.receive(into: &messages) { $0.last?.notifyFields == ["STATUS=unhealthy: \(reason)"] },
                      "no unhealthy status: \(messages.suffix(3))", file: file, line: line)
        watchdog.stop()  // returns once the thread has ended
        while let late = socket.receive(timeout: 0) { messages.append(late) }
        XCTAssertEqual(messages.last?.notifyFields, ["STATUS=unhealthy: \(reason)"], "a ping after the unhealthy status", file: file, line: line)
        XCTAssertEqual(lines.all.filter { $0.hasPrefix("<3>") },
                       ["<3>\(reason): no longer pinging the systemd watchdog, so that systemd restarts tetherd\n"],
                       file: file, line: line)
    }

    func testWatchdogStopsPingingWhenTheAcceptLoopDies() throws {
        try assertStopsPingingWhen({ $0.httpServer?.stop() }, reason: "the HTTP accept loop is not running")
    }

    func testWatchdogStopsPingingWhenTheSweeperDies() throws {
        try assertStopsPingingWhen({ $0.bridge?.registry.stopSweeper() }, reason: "the session sweeper is not running")
    }

    /// A daemon that looks dead for less than a watchdog timeout (a stall: SIGSTOP, swapping, a
    /// resume) is pinged for all along; one that stays dead is not, until it comes back.
    func testWatchdogToleratesAShortBadSpellAndResumesAfterRecovery() throws {
        let socket = try NotifySocket()
        let lines = LogLines()
        let problem = Mutex<String?>(nil)
        let watchdog = Watchdog(notifier: try SystemdNotifier(address: socket.address, log: lines.log),
                                pingInterval: .milliseconds(50), log: lines.log,
                                vitals: { problem.withLock { $0 } }, status: { "fine" })
        XCTAssertEqual(watchdog.unhealthyGrace, .milliseconds(500))
        XCTAssertTrue(watchdog.start())
        defer { watchdog.stop() }
        var messages: [String] = []
        XCTAssertTrue(socket.receive(into: &messages) { $0.filter { $0.notifyFields.contains("WATCHDOG=1") }.count >= 2 })

        problem.withLock { $0 = "the session sweeper is not running" }
        Thread.sleep(forTimeInterval: 0.3)
        problem.withLock { $0 = nil }
        messages.removeAll()
        XCTAssertTrue(socket.receive(into: &messages) { $0.filter { $0.notifyFields.contains("WATCHDOG=1") }.count >= 3 })
        XCTAssertFalse(messages.contains { $0.hasPrefix("STATUS=unhealthy") }, "\(messages)")
        XCTAssertEqual(lines.all.filter { $0.hasPrefix("<3>") }, [], "a short bad spell was reported")

        problem.withLock { $0 = "the session sweeper is not running" }
        XCTAssertTrue(socket.receive(into: &messages) { $0.last?.notifyFields == ["STATUS=unhealthy: the session sweeper is not running"] })
        Thread.sleep(forTimeInterval: 0.3)
        var quiet: [String] = []
        while let late = socket.receive(timeout: 0) { quiet.append(late) }
        XCTAssertEqual(quiet, [], "pinged while unhealthy")

        problem.withLock { $0 = nil }
        XCTAssertTrue(socket.receive(into: &messages) { $0.last?.notifyFields == ["WATCHDOG=1", "STATUS=fine"] })
        XCTAssertEqual(lines.all.filter { $0.hasPrefix("<3>") || $0.hasPrefix("<6>") }, [
            "<3>the session sweeper is not running: no longer pinging the systemd watchdog, so that systemd restarts tetherd\n",
            "<6>tetherd is alive again: pinging the systemd watchdog again\n",
        ])
    }

    /// The grace is counted in the watchdog's own running time: a reading long after the
    /// previous one (the whole process was stopped) starts it again.
    func testHealthJudgeForgivesWhatASelfStallMadeLookDead() {
        var judge = HealthJudge(tickNanos: 1_000_000_000, graceNanos: 10_000_000_000)
        XCTAssertEqual(judge.read(nil, at: 0), .healthy(recovered: false))
        // SIGSTOP for 8 s: on waking, the sweeper looks 8 s late.
        XCTAssertEqual(judge.read("late", at: 9_000_000_000), .tolerated("late"))
        XCTAssertEqual(judge.read("late", at: 10_000_000_000), .tolerated("late"))
        XCTAssertEqual(judge.read(nil, at: 11_000_000_000), .healthy(recovered: false))
        // Dead for good: tolerated for one grace of regular readings, then unhealthy.
        var at: UInt64 = 12_000_000_000
        for _ in 0..<10 {
            XCTAssertEqual(judge.read("dead", at: at), .tolerated("dead"))
            at += 1_000_000_000
        }
        XCTAssertEqual(judge.read("dead", at: at), .unhealthy("dead", firstTime: true))
        XCTAssertEqual(judge.read("dead", at: at + 1_000_000_000), .unhealthy("dead", firstTime: false))
        XCTAssertEqual(judge.read(nil, at: at + 2_000_000_000), .healthy(recovered: true))
        XCTAssertEqual(judge.read(nil, at: at + 3_000_000_000), .healthy(recovered: false))
    }

    func testAVanishedSocketIsWarnedAboutOnce() throws {
        let lines = LogLines()
        var socket: NotifySocket? = try NotifySocket()
        let notifier = try SystemdNotifier(address: try XCTUnwrap(socket?.address), log: lines.log)
        XCTAssertTrue(notifier.notify(["STATUS=one"]))
        XCTAssertEqual(socket?.receive(timeout: 5), "STATUS=one")
        let address = notifier.address
        socket = nil  // closed and unlinked: systemd went away
        for _ in 0..<3 { XCTAssertFalse(notifier.notify(["WATCHDOG=1"])) }
        XCTAssertEqual(lines.all.filter { $0.hasPrefix("<4>") }.count, 1, "\(lines.all)")
        XCTAssertTrue(lines.all.first?.hasPrefix("<4>cannot notify systemd (WATCHDOG=1): sendto \(address): ") == true, "\(lines.all)")
        XCTAssertThrowsError(try notifier.send(["WATCHDOG=1"])) { error in
            guard case .system(_, let code)? = error as? SystemdNotifyError else { return XCTFail("\(error)") }
            XCTAssertEqual(code, ENOENT)
        }
    }

    // MARK: Parsing

    func testWatchdogIntervalIsATenthOfTheTimeoutForUsOnly() throws {
        XCTAssertNil(try Watchdog.pingInterval(usec: nil, pid: nil, ourPID: 42))
        XCTAssertEqual(try Watchdog.pingInterval(usec: "10000000", pid: nil, ourPID: 42), .seconds(1))
        XCTAssertEqual(try Watchdog.pingInterval(usec: "400000", pid: "42", ourPID: 42), .milliseconds(40))
        XCTAssertNil(try Watchdog.pingInterval(usec: "400000", pid: "43", ourPID: 42))
        XCTAssertEqual(try Watchdog.pingInterval(usec: "2", pid: nil, ourPID: 42), .milliseconds(10), "a floor, not a busy loop")
        for (usec, pid) in [("0", nil), ("-5", nil), ("1.5", nil), ("", nil), ("400000", "me"), ("400000", "0")] as [(String, String?)] {
            XCTAssertThrowsError(try Watchdog.pingInterval(usec: usec, pid: pid, ourPID: 42), "\(usec) \(pid ?? "-")")
        }
    }

    func testNotifierRefusesAddressesItCannotSpeakTo() {
        for (address, expected) in [
            ("relative", SystemdNotifyError.unsupportedAddress("relative")),
            ("vsock:2:1234", .unsupportedAddress("vsock:2:1234")),
            ("/" + String(repeating: "a", count: 108), .addressTooLong("/" + String(repeating: "a", count: 108))),
            ("@" + String(repeating: "a", count: 108), .addressTooLong("@" + String(repeating: "a", count: 108))),
        ] {
            XCTAssertThrowsError(try SystemdNotifier(address: address, log: .silent)) { error in
                XCTAssertEqual(error as? SystemdNotifyError, expected)
            }
        }
        XCTAssertNoThrow(try SystemdNotifier(address: "/" + String(repeating: "a", count: 106), log: .silent))
        XCTAssertNoThrow(try SystemdNotifier(address: "@" + String(repeating: "a", count: 107), log: .silent))
    }
}
