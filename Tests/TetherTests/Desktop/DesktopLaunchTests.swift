import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import TetherSystem

/// `tetherd --open` and `--exit-when-idle`: a local desktop front end that opens its window
/// and closes with it. Driven with a headless Chromium as the window.
final class DesktopLaunchTests: XCTestCase {
    func testOpenShowsThePageAndTheDaemonExitsOnceTheWindowCloses() throws {
        let chromium = try Chromium.require()
        let profile = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: profile) }
        // TETHER_BROWSER is split as a shell splits it: the flag that holds spaces is quoted.
        let browser = ([chromium] + Chromium.arguments(profile: profile.path)).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let daemon = try TetherdProcess(
            // The limit also runs before the first page loads, so it must outlast Chromium's start.
            ["--port", "0", "--www", TestPaths.www, "--open", "--exit-when-idle", "12"],
            environment: ["TETHER_BROWSER": browser])
        defer { daemon.kill() }
        let port = try XCTUnwrap(daemon.waitForListeningPort(), daemon.stderr)
        let windowPID = try XCTUnwrap(daemon.waitForStderrLine { line -> Int32? in
            guard line.contains("opened http://127.0.0.1:\(port)/ with: \(chromium)"),
                  let open = line.range(of: "(pid ") else { return nil }
            return Int32(line[open.upperBound...].prefix { $0.isNumber })
        }, daemon.stderr)
        defer { kill(-windowPID, SIGKILL) }

        XCTAssertTrue(try eventually(timeout: 20) { try self.openSessions(port) == 1 }, "the window loaded the page: \(daemon.stderr)")
        XCTAssertNil(daemon.waitForExit(timeout: 2.5), "the daemon stays while the window polls")

        // Killed, with no unload sent and its poll held (for at most 6 s, half the limit): noticed
        // within the limit, not a poll hold later.
        kill(-windowPID, SIGKILL)
        let killed = Date()
        XCTAssertEqual(daemon.waitForExit(timeout: 15), 0, daemon.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(killed), 12.5, "exited within the limit of the kill")
        XCTAssertTrue(daemon.stderr.contains("(--exit-when-idle): stopping"), daemon.stderr)
    }

    func testOpenWithoutAnyBrowserWarnsAndKeepsServing() throws {
        let daemon = try TetherdProcess(["--port", "0", "--www", TestPaths.www, "--open"], environment: ["PATH": "/nonexistent"])
        defer { daemon.kill() }
        let port = try XCTUnwrap(daemon.waitForListeningPort(), daemon.stderr)
        XCTAssertNotNil(daemon.waitForStderrLine { $0.hasPrefix("<4>no browser found to open") ? $0 : nil }, daemon.stderr)
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200)
    }

    func testLauncherPrefersTetherBrowserThenChromiumThenXdgOpen() throws {
        let bin = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: bin) }
        let url = "http://127.0.0.1:8080/"
        XCTAssertNil(try DesktopLauncher.command(for: url, environment: ["PATH": bin.path]))
        for name in ["xdg-open", "chromium"] {
            let file = bin.appendingPathComponent(name)
            try Data("#!/bin/sh\n".utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
            if name == "xdg-open" {
                XCTAssertEqual(try DesktopLauncher.command(for: url, environment: ["PATH": bin.path]), [file.path, url])
            }
        }
        XCTAssertEqual(try DesktopLauncher.command(for: url, environment: ["PATH": bin.path]),
                       [bin.appendingPathComponent("chromium").path, "--app=\(url)"])
        XCTAssertEqual(try DesktopLauncher.command(for: url, environment: ["PATH": bin.path, "TETHER_BROWSER": "firefox --kiosk"]),
                       ["firefox", "--kiosk", url])
        XCTAssertEqual(try DesktopLauncher.command(for: url, environment: ["TETHER_BROWSER": #"'/opt/My Browser/run' --class="a b" x\ y"#]),
                       ["/opt/My Browser/run", "--class=a b", "x y", url])
        XCTAssertThrowsError(try DesktopLauncher.command(for: url, environment: ["TETHER_BROWSER": "chromium 'unclosed"])) {
            XCTAssertEqual(($0 as? DesktopLauncher.Failure)?.description, "TETHER_BROWSER: unterminated ' in: chromium 'unclosed")
        }
    }

    func testShellWordsSplitAsAShellWould() throws {
        XCTAssertEqual(try ShellWords.split(""), [])
        XCTAssertEqual(try ShellWords.split("  a   b\tc "), ["a", "b", "c"])
        XCTAssertEqual(try ShellWords.split(#"a "b c" 'd e' f\ g"#), ["a", "b c", "d e", "f g"])
        XCTAssertEqual(try ShellWords.split(#"'it''s' "say \"hi\"" "\n" ''"#), ["its", #"say "hi""#, "\\n", ""])
        XCTAssertEqual(try ShellWords.split(#"pre"mid dle"post"#), ["premid dlepost"])
        for bad in ["'open", "\"open", "trailing\\"] {
            XCTAssertThrowsError(try ShellWords.split(bad), bad)
        }
    }

    /// No window ever opened (a browser that failed to start): the daemon still exits in time.
    func testExitWhenIdleFiresWhenNoPageEverLoads() throws {
        let daemon = try TetherdProcess(["--port", "0", "--www", TestPaths.www, "--exit-when-idle", "1"])
        defer { daemon.kill() }
        XCTAssertNotNil(daemon.waitForListeningPort(), daemon.stderr)
        XCTAssertEqual(daemon.waitForExit(timeout: 5), 0, daemon.stderr)
        XCTAssertTrue(daemon.stderr.contains("no page has polled for 1 s (--exit-when-idle): stopping"), daemon.stderr)
    }

    func testExitWhenIdleHoldsPollsForAtMostHalfTheLimit() {
        XCTAssertEqual(IdleExit.pollHold(.seconds(20), limit: .seconds(5)), .milliseconds(2500))
        XCTAssertEqual(IdleExit.pollHold(.seconds(1), limit: .seconds(5)), .seconds(1))
    }

    private func openSessions(_ port: Int) throws -> Int? {
        let body = try curl(["http://127.0.0.1:\(port)/_health"]).body
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["sessions"] as? Int
    }
}
