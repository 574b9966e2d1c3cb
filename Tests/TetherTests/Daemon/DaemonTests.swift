import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import Tether
@testable import TetherHTTP

/// The built `tetherd` binary as an operator runs it: log lines, exit codes, signals.
final class DaemonTests: XCTestCase {
    struct NotReady: Error, CustomStringConvertible { let description: String }

    /// Starts tetherd; a missing binary is a clear failure, not a skip.
    private func launch(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> TetherdProcess {
        do {
            return try TetherdProcess(arguments)
        } catch let missing as TetherdProcess.Missing {
            XCTFail(missing.description, file: file, line: line)
            throw missing
        }
    }

    /// Starts tetherd on a free port serving the repository's www; gives it with its port.
    private func launchServing(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line)
        throws -> (daemon: TetherdProcess, port: Int) {
        let daemon = try launch(["--port", "0", "--www", TestPaths.www] + extra, file: file, line: line)
        guard let port = daemon.waitForListeningPort() else {
            let stderr = daemon.stderr
            XCTFail("tetherd never logged its address; stderr: \(stderr)", file: file, line: line)
            throw NotReady(description: stderr)
        }
        return (daemon, port)
    }

    /// Runs tetherd to its end: exit status, stdout, stderr.
    private func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line)
        throws -> (status: Int32?, stdout: String, stderr: String) {
        let daemon = try launch(arguments, file: file, line: line)
        let status = daemon.waitForExit(timeout: 10)
        return (status, daemon.stdout, daemon.stderrToEnd())
    }

    private func assertNoCrash(_ stderr: String, file: StaticString = #filePath, line: UInt = #line) {
        for sign in ["Fatal error", "Stack dump", "Backtrace", "Current stack trace", "Crash", "*** Signal"] {
            XCTAssertFalse(stderr.contains(sign), "stderr shows a crash: \(stderr)", file: file, line: line)
        }
    }

    // MARK: Serving

    func testServesWwwAndLogsItsAddress() throws {
        let (daemon, port) = try launchServing()
        defer { daemon.kill() }
        XCTAssertNotNil(daemon.waitForStderrLine { $0 == "<6>listening on http://127.0.0.1:\(port)" ? true : nil })

        let css = try curl(["http://127.0.0.1:\(port)/style.css"])
        XCTAssertEqual(css.status, 200)
        XCTAssertEqual(css.headers["content-type"], "text/css; charset=utf-8")
        XCTAssertEqual(Array(css.body.utf8), Array(try Data(contentsOf: URL(fileURLWithPath: TestPaths.www + "/style.css"))))
        let page = try curl(["http://127.0.0.1:\(port)/"])
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")

        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 5), 0)
        let stderr = daemon.stderrToEnd()
        XCTAssertTrue(stderr.contains("<6>SIGTERM: stopping\n"), stderr)
        XCTAssertTrue(stderr.hasSuffix("<6>stopped\n"), stderr)
        assertNoCrash(stderr)
    }

    func testVerboseLogsEachRequestAtDebugLevel() throws {
        let (daemon, port) = try launchServing(["--verbose"])
        defer { daemon.kill() }
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/style.css"]).status, 200)
        let logged = daemon.waitForStderrLine(timeout: 5) { $0.hasPrefix("<7>GET /style.css 200 ") ? $0 : nil }
        XCTAssertNotNil(logged, "no request log line; stderr: \(daemon.stderr)")
    }

    func testIPv6HostIsLoggedInBrackets() throws {
        do {
            try Listener(host: "::1", port: 0).close()
        } catch {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
        let (daemon, port) = try launchServing(["--host", "::1"])
        defer { daemon.kill() }
        XCTAssertNotNil(daemon.waitForStderrLine { $0 == "<6>listening on http://[::1]:\(port)" ? true : nil },
                        daemon.stderr)
        XCTAssertEqual(try curl(["-g", "http://[::1]:\(port)/style.css"]).status, 200)
    }

    // MARK: Exit codes

    func testUnknownOptionExits64WithUsageOnStderr() throws {
        let result = try run(["--bogus"])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("unknown option '--bogus'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("usage: tetherd"), result.stderr)
        XCTAssertFalse(result.stderr.contains("listening"), result.stderr)
        XCTAssertEqual(result.stdout, "")
    }

    func testPortThatIsNotANumberExits64() throws {
        let result = try run(["--port", "abc", "--www", TestPaths.www])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("--port must be a number from 0 to 65535, not 'abc'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("usage: tetherd"), result.stderr)
    }

    func testPortOutOfRangeExits64() throws {
        XCTAssertEqual(try run(["--port", "70000"]).status, 64)
        XCTAssertEqual(try run(["--port"]).status, 64)
    }

    func testMissingWwwExits66WithOneLineNamingIt() throws {
        let missing = NSTemporaryDirectory() + "tether-missing-\(UUID().uuidString)"
        let result = try run(["--port", "0", "--www", missing])
        XCTAssertEqual(result.status, 66)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line, got: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains(missing), result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("<3>"), "logged as an error: \(result.stderr)")
        assertNoCrash(result.stderr)
    }

    func testWwwThatIsAFileExits66() throws {
        let file = NSTemporaryDirectory() + "tether-file-\(UUID().uuidString)"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try run(["--port", "0", "--www", file])
        XCTAssertEqual(result.status, 66)
        XCTAssertTrue(result.stderr.contains(file), result.stderr)
    }

    func testPortInUseExits1WithAddressInUseAndNoStackTrace() throws {
        let taken = try Listener(host: "127.0.0.1", port: 0)
        defer { taken.close() }
        let result = try run(["--port", String(taken.port), "--www", TestPaths.www])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("address already in use: 127.0.0.1:\(taken.port)"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line, got: \(result.stderr)")
        assertNoCrash(result.stderr)
    }

    func testHelpExits0WithUsageOnStdout() throws {
        for flag in ["--help", "-h"] {
            let result = try run([flag])
            XCTAssertEqual(result.status, 0, flag)
            XCTAssertTrue(result.stdout.hasPrefix("usage: tetherd"), result.stdout)
            XCTAssertTrue(result.stdout.contains("--www DIR"), result.stdout)
            XCTAssertEqual(result.stderr, "", flag)
        }
    }

    func testVersionExits0AndPrintsIt() throws {
        let result = try run(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "tetherd \(Server.version)\n")
    }

    // MARK: Signals

    func testSIGTERMExits0WithinTwoSecondsWhileAKeepAliveClientIsConnected() throws {
        let (daemon, port) = try launchServing()
        defer { daemon.kill() }
        let client = try RawConnection(port: port)
        let response = try XCTUnwrap(client.request("GET", "/style.css", timeout: 5))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["connection"], "keep-alive", "the client holds an open connection")

        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 2), 0, "not exited with 0 within 2 s; stderr: \(daemon.stderr)")
        XCTAssertNotNil(client.receiveUntilClosed(timeout: 2), "the keep-alive client was not closed")
        assertNoCrash(daemon.stderrToEnd())
    }

    func testSIGTERMExits0WhileAClientIsMidRequest() throws {
        let (daemon, port) = try launchServing()
        defer { daemon.kill() }
        let client = try RawConnection(port: port)
        client.send("GET /style.css HTTP/1.1\r\nHost: a\r\n")  // the head never ends
        // A page load also holds a session open; the daemon must end it too.
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/"]).status, 200)

        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 2), 0, "stderr: \(daemon.stderr)")
    }

    func testSIGINTExits0() throws {
        let (daemon, _) = try launchServing()
        defer { daemon.kill() }
        daemon.send(SIGINT)
        XCTAssertEqual(daemon.waitForExit(timeout: 2), 0)
        XCTAssertTrue(daemon.stderrToEnd().contains("<6>SIGINT: stopping\n"))
    }

    func testSIGHUPReloadsWithoutStopping() throws {
        let (daemon, port) = try launchServing()
        defer { daemon.kill() }
        daemon.send(SIGHUP)
        XCTAssertNotNil(daemon.waitForStderrLine(timeout: 5) { $0.hasPrefix("<6>SIGHUP: reloading") ? true : nil },
                        daemon.stderr)
        let after = try curl(["-S", "http://127.0.0.1:\(port)/style.css"])
        XCTAssertEqual(after.status, 200, "not served after SIGHUP: curl exit \(after.exitCode) \(after.stderr); "
                           + "daemon running: \(daemon.process.isRunning); stderr: \(daemon.stderr)")
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 2), 0)
    }
}
