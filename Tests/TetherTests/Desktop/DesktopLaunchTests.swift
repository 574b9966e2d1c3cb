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
        // TETHER_BROWSER is split on spaces: leave out the one flag that holds spaces.
        let browser = ([chromium] + Chromium.arguments(profile: profile.path).filter { !$0.contains(" ") }).joined(separator: " ")
        let daemon = try TetherdProcess(
            ["--port", "0", "--www", TestPaths.www, "--open", "--exit-when-idle", "1", "--poll-hold", "0.5"],
            environment: ["TETHER_BROWSER": browser])
        defer { daemon.kill() }
        let port = try XCTUnwrap(daemon.waitForListeningPort(), daemon.stderr)
        let windowPID = try XCTUnwrap(daemon.waitForStderrLine { line -> Int32? in
            guard line.contains("opened http://127.0.0.1:\(port)/ with: \(chromium)"),
                  let open = line.range(of: "(pid ") else { return nil }
            return Int32(line[open.upperBound...].prefix { $0.isNumber })
        }, daemon.stderr)
        defer { kill(-windowPID, SIGKILL) }

        XCTAssertTrue(try eventually(timeout: 20) { try self.openSessions(port) == 1 }, "the window loaded the page")
        XCTAssertNil(daemon.waitForExit(timeout: 2.5), "the daemon stays while the window polls")

        kill(-windowPID, SIGKILL)  // the user closes the window
        XCTAssertEqual(daemon.waitForExit(timeout: 15), 0, daemon.stderr)
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
        XCTAssertNil(DesktopLauncher.command(for: url, environment: ["PATH": bin.path]))
        for name in ["xdg-open", "chromium"] {
            let file = bin.appendingPathComponent(name)
            try Data("#!/bin/sh\n".utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
            if name == "xdg-open" {
                XCTAssertEqual(DesktopLauncher.command(for: url, environment: ["PATH": bin.path]), [file.path, url])
            }
        }
        XCTAssertEqual(DesktopLauncher.command(for: url, environment: ["PATH": bin.path]),
                       [bin.appendingPathComponent("chromium").path, "--app=\(url)"])
        XCTAssertEqual(DesktopLauncher.command(for: url, environment: ["PATH": bin.path, "TETHER_BROWSER": "firefox --kiosk"]),
                       ["firefox", "--kiosk", url])
    }

    private func openSessions(_ port: Int) throws -> Int? {
        let body = try curl(["http://127.0.0.1:\(port)/_health"]).body
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["sessions"] as? Int
    }
}
