import XCTest
import Tether
@testable import TetherSystem

final class DaemonOptionsTests: XCTestCase {
    private func parse(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> DaemonOptions? {
        do {
            return try DaemonOptions.parse(arguments)
        } catch {
            XCTFail("\(arguments) refused: \(error)", file: file, line: line)
            return nil
        }
    }

    /// The usage error for `arguments`, nil (and a failure) when they were accepted.
    private func refusal(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            let options = try DaemonOptions.parse(arguments)
            XCTFail("\(arguments) accepted as \(options)", file: file, line: line)
            return nil
        } catch {
            return error.description
        }
    }

    func testNoArgumentsGiveTheDefaults() {
        let options = parse([])
        XCTAssertEqual(options?.host, "127.0.0.1")
        XCTAssertEqual(options?.port, 8080)
        XCTAssertNil(options?.www, "no --www: the server's own pages (embedded, or ./www)")
        XCTAssertNil(options?.systemdUnits)
        XCTAssertEqual(options?.verbose, false)
        XCTAssertEqual(options?.showHelp, false)
        XCTAssertEqual(options?.showVersion, false)
        XCTAssertEqual(options, DaemonOptions())
    }

    func testEveryOptionWithASeparateValue() {
        let options = parse(["--host", "::1", "--port", "9000", "--www", "/srv/www", "--verbose"])
        XCTAssertEqual(options?.host, "::1")
        XCTAssertEqual(options?.port, 9000)
        XCTAssertEqual(options?.www, "/srv/www")
        XCTAssertEqual(options?.verbose, true)
    }

    func testEveryOptionWithAnInlineValue() {
        let options = parse(["--host=0.0.0.0", "--port=0", "--www=site"])
        XCTAssertEqual(options?.host, "0.0.0.0")
        XCTAssertEqual(options?.port, 0)
        XCTAssertEqual(options?.www, "site")
    }

    func testInlineValueMayHoldAnEqualsSign() {
        XCTAssertEqual(parse(["--www=a=b"])?.www, "a=b")
    }

    func testPortBoundsAreAccepted() {
        XCTAssertEqual(parse(["--port", "0"])?.port, 0)
        XCTAssertEqual(parse(["--port", "65535"])?.port, 65535)
    }

    func testHelpAndVersionFlags() {
        XCTAssertEqual(parse(["--help"])?.showHelp, true)
        XCTAssertEqual(parse(["-h"])?.showHelp, true)
        XCTAssertEqual(parse(["--version"])?.showVersion, true)
    }

    func testLaterOptionOverridesEarlier() {
        XCTAssertEqual(parse(["--port", "1", "--port", "2"])?.port, 2)
    }

    func testPortThatIsNotANumberIsRefused() {
        for value in ["abc", "", "80a", "8 0", "1e3"] {
            XCTAssertEqual(refusal(["--port", value]), "--port must be a number from 0 to 65535, not '\(value)'")
        }
    }

    func testPortOutOfRangeIsRefused() {
        XCTAssertNotNil(refusal(["--port", "65536"]))
        XCTAssertNotNil(refusal(["--port", "-1"]))
        XCTAssertNotNil(refusal(["--port=99999999999999999999999"]))
    }

    func testOptionWithoutItsValueIsRefused() {
        XCTAssertEqual(refusal(["--port"]), "--port needs a value")
        XCTAssertEqual(refusal(["--www"]), "--www needs a value")
        XCTAssertEqual(refusal(["--verbose", "--host"]), "--host needs a value")
    }

    func testEmptyHostOrWwwIsRefused() {
        XCTAssertEqual(refusal(["--host="]), "--host needs a non-empty address")
        XCTAssertEqual(refusal(["--www", ""]), "--www needs a directory")
    }

    func testUnknownOptionsAndStrayArgumentsAreRefused() {
        XCTAssertEqual(refusal(["--bogus"]), "unknown option '--bogus'")
        XCTAssertEqual(refusal(["--bogus=1"]), "unknown option '--bogus=1'")
        XCTAssertEqual(refusal(["www"]), "unknown option 'www'")
        XCTAssertEqual(refusal(["-p", "80"]), "unknown option '-p'")
        XCTAssertEqual(refusal(["--PORT", "80"]), "unknown option '--PORT'")
    }

    func testFlagGivenAnInlineValueIsRefused() {
        // `--verbose=false` must not quietly turn verbose logging on.
        XCTAssertNotNil(refusal(["--verbose=false"]))
        XCTAssertNotNil(refusal(["--help=1"]))
        XCTAssertNotNil(refusal(["--version=2"]))
    }

    func testUsageNamesEveryOption() {
        let usage = DaemonOptions.usage(for: "hello")
        for option in ["--host", "--port", "--www", "--allow-host", "--open", "--exit-when-idle", "--poll-hold", "--max-sessions", "--verbose",
                       "--systemd-units", "--help", "--version"] {
            XCTAssertTrue(usage.contains(option), option)
        }
        XCTAssertTrue(usage.hasPrefix("usage: hello [--host H]"), usage)
        XCTAssertTrue(usage.contains("hello.socket, hello.service and hello-kiosk.service"), usage)
    }

    func testRunWithBadArgumentsReturnsUsageExitCode() {
        // In-process: parsing fails before any signal is blocked or socket bound.
        let server = Server()
        XCTAssertEqual(Daemon.run(server, arguments: ["--bogus"]), 64)
        XCTAssertEqual(server.port, 0, "a bad flag starts nothing")
        XCTAssertEqual(Daemon.ExitCode.usage, 64)
        XCTAssertEqual(Daemon.ExitCode.noInput, 66)
        XCTAssertEqual(Daemon.ExitCode.cannotCreate, 73)
        XCTAssertEqual(Daemon.ExitCode.config, 78)
    }

    func testSystemdUnitsTakesADirectory() throws {
        XCTAssertEqual(try DaemonOptions.parse(["--systemd-units", "/tmp/u"]).systemdUnits, "/tmp/u")
        XCTAssertEqual(try DaemonOptions.parse(["--systemd-units=units"]).systemdUnits, "units")
        XCTAssertEqual(refusal(["--systemd-units"]), "--systemd-units needs a value")
        XCTAssertEqual(refusal(["--systemd-units", ""]), "--systemd-units needs a directory")
    }

    func testDisplayHostBracketsIPv6() {
        XCTAssertEqual(Daemon.displayHost("::1"), "[::1]")
        XCTAssertEqual(Daemon.displayHost("127.0.0.1"), "127.0.0.1")
    }
}

final class DesktopAndProxyOptionsTests: XCTestCase {
    func testAllowHostOpenIdleAndPollHoldParse() throws {
        let options = try DaemonOptions.parse(["--allow-host", "kiosk.local", "--allow-host=screen.lan:9000", "--open",
                                               "--exit-when-idle", "2.5", "--poll-hold=30", "--max-sessions", "5100"])
        XCTAssertEqual(options.allowHosts, ["kiosk.local", "screen.lan:9000"])
        XCTAssertTrue(options.open)
        XCTAssertEqual(options.exitWhenIdle, .milliseconds(2500))
        XCTAssertEqual(options.pollHold, .seconds(30))
        XCTAssertEqual(options.maxSessions, 5100)
    }

    func testMaxSessionsIsPassedOnToTheServiceUnit() throws {
        let options = try DaemonOptions.parse(["--max-sessions=5100"])
        let units = SystemdUnits(name: "tetherd", executable: "/usr/local/bin/tetherd", options: options)
        XCTAssertEqual(units.arguments, ["--max-sessions", "5100"])
    }

    func testBadDesktopAndProxyValuesAreUsageErrors() {
        for arguments in [["--exit-when-idle", "0"], ["--exit-when-idle", "soon"], ["--poll-hold", "-1"],
                          ["--poll-hold", "nan"], ["--allow-host", ""], ["--allow-host", "a/b"], ["--open=yes"],
                          ["--max-sessions", "0"], ["--max-sessions", "many"]] {
            XCTAssertThrowsError(try DaemonOptions.parse(arguments), "\(arguments)")
        }
    }
}
