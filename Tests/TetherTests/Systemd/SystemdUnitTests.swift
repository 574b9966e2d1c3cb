import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import TetherHTTP
@testable import TetherSystem

/// The units in `systemd/`, as systemd itself judges them.
final class SystemdUnitTests: XCTestCase {
    static let units = ["tetherd.service", "tetherd.socket", "tetherd-kiosk.service"]
    static var unitDirectory: URL { TestPaths.packageRoot.appendingPathComponent("systemd") }

    private func unitText(_ name: String) throws -> String {
        try String(contentsOf: Self.unitDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// `systemd-analyze verify` also checks that every Exec*= binary exists, and the units name
    /// their installed paths (/usr/local/bin/tetherd, /usr/bin/chromium), which a build machine
    /// lacks. So they are verified as copies in a scratch directory, where tetherd's path is the
    /// one just built and Chromium's is kept when installed (CI installs it) or else becomes
    /// /bin/true; nothing else changes. Any stderr at all fails: unknown keys are only warnings.
    func testEveryUnitVerifiesWithoutAWord() throws {
        let analyze = try SystemdTools.require("systemd-analyze")
        let tetherd = try SystemdTools.tetherd()
        let scratch = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let chromium = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") ? "/usr/bin/chromium" : "/bin/true"
        if chromium != "/usr/bin/chromium" { print("note: no /usr/bin/chromium here; the kiosk unit is verified with /bin/true in its place") }
        var paths: [String] = []
        for name in Self.units {
            let text = try unitText(name)
                .replacingOccurrences(of: "/usr/local/bin/tetherd", with: tetherd)
                .replacingOccurrences(of: "ExecStart=/usr/bin/chromium", with: "ExecStart=\(chromium)")
            let copy = scratch.appendingPathComponent(name)
            try Data(text.utf8).write(to: copy)
            paths.append(copy.path)
        }
        for path in paths {
            let result = try LoggedProcess.run(analyze, ["verify", path])
            XCTAssertEqual(result.stderr, "", "systemd-analyze verify \(path)")
            XCTAssertEqual(result.status, 0, "systemd-analyze verify \(path): \(result.stderr)")
        }
        // Together too, so the references between them (Service=, Requires=, After=) resolve as one set.
        let together = try LoggedProcess.run(analyze, ["verify"] + paths)
        XCTAssertEqual(together.stderr, "")
        XCTAssertEqual(together.status, 0, together.stderr)
    }

    /// `systemd/` is what `tetherd --www /usr/local/share/tether/www --systemd-units DIR` writes
    /// once tetherd is installed as /usr/local/bin/tetherd: one template, no hand-kept copy.
    /// With TETHER_WRITE_UNITS=1 it writes them there instead of only comparing.
    func testRepositoryUnitsAreTheGeneratedOnes() throws {
        let options = try DaemonOptions.parse(["--www", "/usr/local/share/tether/www"])
        let units = SystemdUnits(name: "tetherd", executable: "/usr/local/bin/tetherd", options: options)
        XCTAssertEqual(units.files.map(\.name).sorted(), Self.units.sorted())
        // After editing the template: TETHER_WRITE_UNITS=1 swift test --filter testRepositoryUnitsAreTheGeneratedOnes
        if ProcessInfo.processInfo.environment["TETHER_WRITE_UNITS"] == "1" {
            for file in units.files { try Data(file.text.utf8).write(to: Self.unitDirectory.appendingPathComponent(file.name)) }
        }
        for file in units.files {
            XCTAssertEqual(try unitText(file.name), file.text, "systemd/\(file.name) differs from SystemdUnits.swift's text")
        }
    }

    /// The binary writes its units itself, named after it, running it by its absolute path,
    /// and systemd accepts them without a word.
    func testTetherdWritesUnitsThatVerify() throws {
        let analyze = try SystemdTools.require("systemd-analyze")
        let tetherd = try SystemdTools.tetherd()
        let scratch = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try LoggedProcess.run(tetherd, ["--port", "8123", "--www", TestPaths.www, "--systemd-units", scratch.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let names = ["tetherd.socket", "tetherd.service", "tetherd-kiosk.service"]
        XCTAssertEqual(result.stdout.split(separator: "\n").map(String.init), names.map { scratch.appendingPathComponent($0).path })
        let service = try String(contentsOf: scratch.appendingPathComponent("tetherd.service"), encoding: .utf8)
        XCTAssertTrue(service.contains("\nExecStart=\(URL(fileURLWithPath: tetherd).resolvingSymlinksInPath().path) --www \(TestPaths.www)\n"), service)
        XCTAssertTrue(service.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"), service)
        let socket = try String(contentsOf: scratch.appendingPathComponent("tetherd.socket"), encoding: .utf8)
        XCTAssertTrue(socket.contains("\nListenStream=127.0.0.1:8123\n"), socket)
        var paths = names.map { scratch.appendingPathComponent($0).path }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") {
            let kiosk = paths[2]
            let text = try String(contentsOfFile: kiosk, encoding: .utf8).replacingOccurrences(of: "ExecStart=/usr/bin/chromium", with: "ExecStart=/bin/true")
            try Data(text.utf8).write(to: URL(fileURLWithPath: kiosk))
            paths[2] = kiosk
        }
        let verified = try LoggedProcess.run(analyze, ["verify"] + paths)
        XCTAssertEqual(verified.stderr, "")
        XCTAssertEqual(verified.status, 0)
    }

    func testAnUnwritableUnitsDirectoryIsOneLineAndExit73() throws {
        let tetherd = try SystemdTools.tetherd()
        let missing = "/nonexistent-\(UUID().uuidString)"
        let result = try LoggedProcess.run(tetherd, ["--systemd-units", missing])
        XCTAssertEqual(result.status, 73)
        XCTAssertEqual(result.stderr, "tetherd: --systemd-units: \(missing) is not a directory\n")
        let readOnly = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: readOnly) }
        try Data().write(to: readOnly.appendingPathComponent("tetherd.socket"))
        chmod(readOnly.appendingPathComponent("tetherd.socket").path, 0o444)
        if getuid() == 0 {
            // root writes through file modes; a file in the way of a directory stops even root.
            try FileManager.default.removeItem(at: readOnly.appendingPathComponent("tetherd.socket"))
            try FileManager.default.createDirectory(at: readOnly.appendingPathComponent("tetherd.socket"), withIntermediateDirectories: false)
        }
        let refused = try LoggedProcess.run(tetherd, ["--systemd-units", readOnly.path])
        XCTAssertEqual(refused.status, 73)
        XCTAssertTrue(refused.stderr.hasPrefix("tetherd: --systemd-units: cannot write \(readOnly.path)/tetherd.socket: "), refused.stderr)
        XCTAssertEqual(refused.stderr.filter { $0 == "\n" }.count, 1, refused.stderr)
    }

    /// The figure `systemd-analyze security` gives the daemon's unit: 0 is sealed, 10 is wide open.
    func testDaemonExposureIsAtMostTwo() throws {
        let analyze = try SystemdTools.require("systemd-analyze")
        let unit = Self.unitDirectory.appendingPathComponent("tetherd.service").path
        let result = try LoggedProcess.run(analyze, ["security", "--offline=true", "--no-pager", unit])
        guard let exposure = Self.overallExposure(result.stdout) else {
            return XCTFail("no overall exposure level in: \(result.stdout)\(result.stderr)")
        }
        print("systemd-analyze security --offline=true systemd/tetherd.service: \(exposure)")
        XCTAssertLessThanOrEqual(exposure, 2.0, result.stdout)
    }

    /// `→ Overall exposure level for tetherd.service: 0.9 SAFE 😀` gives 0.9.
    static func overallExposure(_ report: String) -> Double? {
        guard let line = report.split(separator: "\n").first(where: { $0.contains("Overall exposure level for") }),
              let colon = line.lastIndex(of: ":") else { return nil }
        let figure = line[line.index(after: colon)...].split(separator: " ").first ?? ""
        return Double(figure)
    }

    func testExposureIsReadFromTheReport() {
        XCTAssertEqual(Self.overallExposure("x\n→ Overall exposure level for tetherd.service: 1.1 OK 🙂\n"), 1.1)
        XCTAssertNil(Self.overallExposure("nothing here"))
    }

    // MARK: The kiosk's wait for _health

    /// The kiosk unit's ExecStartPre script as /bin/sh receives it (systemd turns `$$` into `$`).
    private func kioskWaitScript() throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { throw CurlError.notInstalled }
        let line = try unitText("tetherd-kiosk.service").split(separator: "\n").first { $0.hasPrefix("ExecStartPre=") }
        let command = String(line?.dropFirst("ExecStartPre=".count) ?? "")
        let prefix = "/bin/sh -c '"
        guard command.hasPrefix(prefix), command.hasSuffix("'") else {
            XCTFail("ExecStartPre is not a /bin/sh -c '…' line: \(command)")
            return ""
        }
        return String(command.dropFirst(prefix.count).dropLast()).replacingOccurrences(of: "$$", with: "$")
    }

    func testKioskWaitsUntilHealthAnswers() throws {
        _ = try SystemdTools.tetherd()
        let script = try kioskWaitScript()
        XCTAssertTrue(script.contains("http://127.0.0.1:8080/_health"), script)
        let daemon = try TetherdProcess(["--port", "0", "--www", TestPaths.www])
        defer { daemon.kill() }
        guard let port = daemon.waitForListeningPort() else { return XCTFail("not listening: \(daemon.stderr)") }
        let result = try LoggedProcess.run("/bin/sh", ["-c", script.replacingOccurrences(of: ":8080/", with: ":\(port)/")])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testKioskWaitGivesUpWhenNothingAnswers() throws {
        let script = try kioskWaitScript()
        XCTAssertTrue(script.contains("-lt 60"), "the loop is bounded: \(script)")
        let closed = try Listener(host: "127.0.0.1", port: 0)
        let port = closed.port
        closed.close()
        // Two tries instead of sixty, to keep the test short.
        let quick = script.replacingOccurrences(of: ":8080/", with: ":\(port)/").replacingOccurrences(of: "-lt 60", with: "-lt 2")
        let result = try LoggedProcess.run("/bin/sh", ["-c", quick])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("tetherd did not answer http://127.0.0.1:\(port)/_health"), result.stderr)
    }
}
