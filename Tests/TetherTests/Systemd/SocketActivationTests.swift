import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import TetherHTTP
@testable import TetherSystem

/// tetherd handed its listening socket as fd 3, as systemd's socket units do. The socket comes
/// from `systemd-socket-activate`, which binds, sets LISTEN_FDS and LISTEN_PID, and execs tetherd
/// (same pid) once the first connection arrives.
final class SocketActivationTests: XCTestCase {
    /// A port free a moment ago (systemd-socket-activate binds it again).
    private func freePort() throws -> Int {
        let listener = try Listener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        return listener.port
    }

    private func activate(ports: [Int]) throws -> LoggedProcess {
        let activate = try SystemdTools.require("systemd-socket-activate")
        let tetherd = try SystemdTools.tetherd()
        let child = try LoggedProcess(activate, ports.flatMap { ["-l", "127.0.0.1:\($0)"] } + [tetherd, "--www", TestPaths.www])
        XCTAssertNotNil(child.waitForStderrLine { $0.hasPrefix("Listening on 127.0.0.1:\(ports.last ?? 0)") },
                        "systemd-socket-activate did not listen: \(child.stderr)")
        return child
    }

    func testServesTheInheritedSocket() throws {
        let port = try freePort()
        let daemon = try activate(ports: [port])
        defer { daemon.kill() }
        // The first connection makes systemd-socket-activate exec tetherd, which accepts it from the backlog.
        let page = try curl(["http://127.0.0.1:\(port)/style.css"])
        XCTAssertEqual(page.status, 200, "stderr: \(daemon.stderr)")
        XCTAssertNotNil(daemon.waitForStderrLine { $0 == "<6>listening on inherited socket http://127.0.0.1:\(port)" }, daemon.stderr)
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200)

        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 5), 0, daemon.stderr)
        XCTAssertTrue(daemon.stderr.hasSuffix("<6>stopped\n"), daemon.stderr)
        XCTAssertFalse(daemon.stderr.contains("<3>"), daemon.stderr)
    }

    func testOnlyTheFirstOfSeveralSocketsIsServed() throws {
        let first = try freePort(), second = try freePort()
        let daemon = try activate(ports: [first, second])
        defer { daemon.kill() }
        XCTAssertEqual(try curl(["http://127.0.0.1:\(first)/_health"]).status, 200, daemon.stderr)
        XCTAssertNotNil(daemon.waitForStderrLine {
            $0 == "<4>socket activation: 2 sockets passed, serving only the first (fd 3); closing fds 4-4"
        }, daemon.stderr)
        // The second was closed: nothing listens there any more.
        XCTAssertEqual(try curl(["--max-time", "2", "http://127.0.0.1:\(second)/_health"]).exitCode, 7)
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 5), 0, daemon.stderr)
    }

    func testVariablesForAnotherProcessAreIgnored() throws {
        _ = try SystemdTools.tetherd()
        // LISTEN_PID 1 is not tetherd: it binds a port of its own.
        let daemon = try TetherdProcess(["--port", "0", "--www", TestPaths.www], environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"])
        defer { daemon.kill() }
        guard let port = daemon.waitForListeningPort() else { return XCTFail("not listening: \(daemon.stderr)") }
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200)
        XCTAssertFalse(daemon.stderr.contains("inherited"), daemon.stderr)
    }

    /// `sh` sets LISTEN_PID to its own pid and execs tetherd, so the variables are ours.
    private func runActivated(_ setup: String) throws -> (status: Int32?, stderr: String) {
        let tetherd = try SystemdTools.tetherd()
        let script = "export LISTEN_PID=$$ \(setup); exec \"$0\" --port 0 --www \"$1\" 3</dev/null"
        let result = try LoggedProcess.run("/bin/sh", ["-c", script, tetherd, TestPaths.www], timeout: 10)
        return (result.status, result.stderr)
    }

    func testAnInheritedDescriptorThatIsNoSocketExits1() throws {
        let result = try runActivated("LISTEN_FDS=1")
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("<3>socket activation: cannot serve fd 3: getsockopt(fd 3): Socket operation on non-socket"),
                      result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }

    func testGarbledListenFdsExits1() throws {
        let result = try runActivated("LISTEN_FDS=three")
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderr, "<3>socket activation: LISTEN_FDS='three' is not a valid number\n")
    }

    func testDescriptorCountFollowsSdListenFds() throws {
        XCTAssertEqual(try SocketActivation.descriptorCount(listenPID: nil, listenFDs: "1", ourPID: 42), 0)
        XCTAssertEqual(try SocketActivation.descriptorCount(listenPID: "42", listenFDs: nil, ourPID: 42), 0)
        XCTAssertEqual(try SocketActivation.descriptorCount(listenPID: "43", listenFDs: "1", ourPID: 42), 0)
        XCTAssertEqual(try SocketActivation.descriptorCount(listenPID: "42", listenFDs: "0", ourPID: 42), 0)
        XCTAssertEqual(try SocketActivation.descriptorCount(listenPID: "42", listenFDs: "2", ourPID: 42), 2)
        XCTAssertThrowsError(try SocketActivation.descriptorCount(listenPID: "me", listenFDs: "1", ourPID: 42)) {
            XCTAssertEqual($0 as? SocketActivationError, .malformed(name: "LISTEN_PID", value: "me"))
        }
        for fds in ["-1", "x", "", "99999999999"] {
            XCTAssertThrowsError(try SocketActivation.descriptorCount(listenPID: "42", listenFDs: fds, ourPID: 42)) {
                XCTAssertEqual($0 as? SocketActivationError, .malformed(name: "LISTEN_FDS", value: fds))
            }
        }
    }
}
