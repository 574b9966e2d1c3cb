import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import TetherHTTP

/// The README's "Your own kiosk app", built as an outside package (`OwnAppPackage`), and what
/// that section promises of the binary it makes.
final class OwnAppTests: XCTestCase {
    /// The binary alone, copied into an empty directory: the pages are inside it.
    private func launchAlone(_ extra: [String] = [], environment: [String: String] = [:]) throws -> (LoggedProcess, Int, URL) {
        let built = try OwnAppPackage.require()
        let folder = try TestPaths.temporaryDirectory()
        try FileManager.default.copyItem(atPath: built.binary, toPath: folder.appendingPathComponent("hello").path)
        let words = (["./hello", "--port", "0"] + extra).map { "'\($0)'" }.joined(separator: " ")
        let child = try LoggedProcess("/bin/sh", ["-c", "cd '\(folder.path)' && exec \(words)"],
                                      environment: SystemdTools.cleanEnvironment.merging(environment) { _, new in new })
        guard let line = child.waitForStderrLine(timeout: 15, { $0.hasPrefix("<6>listening on http://127.0.0.1:") }),
              let port = Int(line.split(separator: ":").last ?? "") else {
            child.kill()
            throw OwnAppPackage.Failure(description: "hello never listened: \(child.stderr)")
        }
        return (child, port, folder)
    }

    func testTheBinaryAloneServesItsPageAndAnswersItsCalls() throws {
        let (hello, port, folder) = try launchAlone()
        defer { hello.kill(); try? FileManager.default.removeItem(at: folder) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["hello"])

        let page = try curl(["http://127.0.0.1:\(port)/"])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains(#"<button id="greet" onclick="greet()">Greet</button>"#), page.body)
        XCTAssertTrue(page.body.contains("<script src=\"_tether.js?v="), "the script is injected into the embedded page")
        let session = try XCTUnwrap(page.headers["x-tether-session"])

        func post(_ body: String) throws -> CurlResult {
            try curl(["-H", "Content-Type: application/json", "-d", body, "http://127.0.0.1:\(port)/_process_srv0"])
        }
        let call = try post(#"{"session":"\#(session)","task":"call","function":"greet","args":["Ada"]}"#)
        XCTAssertEqual(call.status, 200)
        XCTAssertEqual(call.body, #"{"value":"Hello, Ada!"}"#)
        let poll = try post(#"{"session":"\#(session)","task":"next","ack":0}"#)
        XCTAssertEqual(poll.body, #"{"commands":[{"seq":1,"op":"assign","target":{"member":"textContent","of":{"element":"visits"}},"value":{"value":1}}]}"#)
        XCTAssertEqual(try post(#"{"session":"\#(session)","task":"call","function":"deinit","args":[]}"#).status, 404)
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/.hidden"]).status, 404)

        hello.send(SIGHUP)
        XCTAssertNotNil(hello.waitForStderrLine { $0.hasPrefix("<6>SIGHUP: reloading every open page") }, hello.stderr)
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200, "serving after SIGHUP")
        hello.send(SIGTERM)
        XCTAssertEqual(hello.waitForExit(timeout: 5), 0, hello.stderr)
        XCTAssertFalse(hello.stderr.contains("<3>"), hello.stderr)
    }

    func testFlagsAndExitCodes() throws {
        let built = try OwnAppPackage.require()
        let help = try LoggedProcess.run(built.binary, ["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.hasPrefix("usage: hello [--host H] [--port P] [--www DIR]"), help.stdout)
        XCTAssertEqual(try LoggedProcess.run(built.binary, ["--version"]).status, 0)

        let bogus = try LoggedProcess.run(built.binary, ["--bogus"])
        XCTAssertEqual(bogus.status, 64)
        XCTAssertTrue(bogus.stderr.hasPrefix("hello: unknown option '--bogus'\nusage: hello"), bogus.stderr)
        XCTAssertEqual(try LoggedProcess.run(built.binary, ["--port", "http"]).status, 64)

        let missing = try LoggedProcess.run(built.binary, ["--port", "0", "--www", "/nonexistent-www"])
        XCTAssertEqual(missing.status, 66)
        XCTAssertEqual(missing.stderr, "<3>www directory not found: /nonexistent-www\n")

        // --www overrides the embedded pages, and the bindings are checked against it.
        let empty = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        let unbound = try LoggedProcess.run(built.binary, ["--port", "0", "--www", empty.path])
        XCTAssertEqual(unbound.status, 78)
        XCTAssertEqual(unbound.stderr, "<3>page 'index.html' is bound to an app but www directory \(empty.path) has no such file\n")

        try Data("<p>edited on disk</p>".utf8).write(to: empty.appendingPathComponent("index.html"))
        let (dev, port, folder) = try launchAlone(["--www", empty.path, "--allow-host", "kiosk.local"])
        defer { dev.kill(); try? FileManager.default.removeItem(at: folder) }
        let edited = try curl(["http://127.0.0.1:\(port)/"]).body
        XCTAssertTrue(edited.contains("<p>edited on disk</p>") && !edited.contains("Greet"), edited)
        XCTAssertEqual(try curl(["-H", "Host: kiosk.local", "http://127.0.0.1:\(port)/_health"]).status, 200)
        XCTAssertEqual(try curl(["-H", "Host: elsewhere.example", "http://127.0.0.1:\(port)/_health"]).status, 403)
    }

    func testReadyReachesANotifySocketOfOurOwn() throws {
        let notify = try NotifySocket()
        let (hello, port, folder) = try launchAlone(environment: ["NOTIFY_SOCKET": notify.address])
        defer { hello.kill(); try? FileManager.default.removeItem(at: folder) }
        var messages: [String] = []
        XCTAssertTrue(notify.receive(into: &messages, timeout: 5) { $0.contains { $0.notifyFields.contains("READY=1") } },
                      "no READY=1: \(messages)")
        XCTAssertTrue(messages.first { $0.contains("READY=1") }?.contains("STATUS=serving on port \(port)") == true, "\(messages)")
        hello.send(SIGTERM)
        XCTAssertTrue(notify.receive(into: &messages, timeout: 5) { $0.contains { $0.notifyFields.contains("STOPPING=1") } })
        XCTAssertEqual(hello.waitForExit(timeout: 5), 0, hello.stderr)
    }

    func testServesTheSocketSystemdHandsIt() throws {
        let built = try OwnAppPackage.require()
        let activate = try SystemdTools.require("systemd-socket-activate")
        let free = try Listener(host: "127.0.0.1", port: 0)
        let port = free.port
        free.close()
        let hello = try LoggedProcess(activate, ["-l", "127.0.0.1:\(port)", built.binary])
        defer { hello.kill() }
        XCTAssertNotNil(hello.waitForStderrLine { $0.hasPrefix("Listening on 127.0.0.1:\(port)") }, hello.stderr)
        let page = try curl(["http://127.0.0.1:\(port)/"])
        XCTAssertEqual(page.status, 200, hello.stderr)
        XCTAssertTrue(page.body.contains(#"<span id="visits">0</span>"#))
        XCTAssertNotNil(hello.waitForStderrLine { $0 == "<6>listening on inherited socket http://127.0.0.1:\(port)" }, hello.stderr)
        hello.send(SIGTERM)
        XCTAssertEqual(hello.waitForExit(timeout: 5), 0, hello.stderr)
    }

    func testACallFromItsPageInChromium() throws {
        _ = try Chromium.require()
        let (hello, port, folder) = try launchAlone()
        defer { hello.kill(); try? FileManager.default.removeItem(at: folder) }
        let browser = try Chromium(url: "http://127.0.0.1:\(port)/", devTools: true)
        defer { browser.kill() }
        let devTools = try XCTUnwrap(browser.devTools)
        let session = try devTools.attachToFirstPage()
        func evaluate(_ expression: String) throws -> Any? {
            let reply = try devTools.send("Runtime.evaluate", params: ["expression": expression, "returnByValue": true], session: session)
            return (reply["result"] as? [String: Any])?["value"]
        }
        XCTAssertTrue(try eventually(timeout: 15) { try evaluate("typeof server.greet === 'function'") as? Bool == true },
                      "the page never got its server proxy")
        _ = try evaluate(#"document.getElementById("name").value = "Grace"; document.getElementById("greet").click()"#)
        XCTAssertTrue(try eventually { try evaluate(#"document.getElementById("greeting").textContent"#) as? String == "Hello, Grace!" })
        XCTAssertTrue(try eventually { try evaluate(#"document.getElementById("visits").textContent"#) as? String == "1" },
                      "Swift's write never reached the page")
    }

    /// `--open` runs $TETHER_BROWSER (split as a shell would) with the URL; `--exit-when-idle`
    /// ends the binary once no page polls. The "browser" here fetches the page once and is gone.
    func testOpenAndExitWhenIdleInItsBinary() throws {
        let browser = #"/bin/sh -c 'exec curl -s -o /dev/null "$0"'"#
        let (hello, port, folder) = try launchAlone(["--open", "--exit-when-idle", "2", "--verbose"], environment: ["TETHER_BROWSER": browser])
        defer { hello.kill(); try? FileManager.default.removeItem(at: folder) }
        XCTAssertNotNil(hello.waitForStderrLine { $0.hasPrefix("<6>opened http://127.0.0.1:\(port)/ with: /bin/sh -c exec curl -s -o /dev/null \"$0\" http://127.0.0.1:\(port)/") },
                        hello.stderr)
        XCTAssertNotNil(hello.waitForStderrLine { $0.hasPrefix("<7>GET / 200") }, "the page was opened: \(hello.stderr)")
        XCTAssertEqual(hello.waitForExit(timeout: 10), 0, hello.stderr)
        XCTAssertTrue(hello.stderr.contains("(--exit-when-idle): stopping"), hello.stderr)
    }

    func testItsUnitsPassSystemdAnalyze() throws {
        let built = try OwnAppPackage.require()
        let analyze = try SystemdTools.require("systemd-analyze")
        let units = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: units) }
        let written = try LoggedProcess.run(built.binary, ["--port", "9123", "--systemd-units", units.path])
        XCTAssertEqual(written.status, 0, written.stderr)
        let names = ["hello.socket", "hello.service", "hello-kiosk.service"]
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: units.path).sorted(), names.sorted())
        let service = try String(contentsOf: units.appendingPathComponent("hello.service"), encoding: .utf8)
        let real = URL(fileURLWithPath: built.binary).resolvingSymlinksInPath().path
        XCTAssertTrue(service.contains("\nExecStart=\(real)\n"), service)
        XCTAssertTrue(service.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"), service)
        XCTAssertTrue(try String(contentsOf: units.appendingPathComponent("hello.socket"), encoding: .utf8).contains("\nListenStream=127.0.0.1:9123\n"))
        let kiosk = units.appendingPathComponent("hello-kiosk.service")
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") {
            let text = try String(contentsOf: kiosk, encoding: .utf8).replacingOccurrences(of: "ExecStart=/usr/bin/chromium", with: "ExecStart=/bin/true")
            try Data(text.utf8).write(to: kiosk)
        }
        let verified = try LoggedProcess.run(analyze, ["verify"] + names.map { units.appendingPathComponent($0).path })
        XCTAssertEqual(verified.stderr, "")
        XCTAssertEqual(verified.status, 0)
        let security = try LoggedProcess.run(analyze, ["security", "--offline=true", "--no-pager", units.appendingPathComponent("hello.service").path])
        let exposure = try XCTUnwrap(SystemdUnitTests.overallExposure(security.stdout), security.stdout + security.stderr)
        XCTAssertLessThanOrEqual(exposure, 2.0)
    }

    func testTheWalkthroughsOwnTestPasses() throws {
        let built = try OwnAppPackage.require()
        let output = try OwnAppPackage.runSwift(["test", "--skip-build"], in: built.root, timeout: 300)
        XCTAssertTrue(output.contains("Test Case 'GreeterTests.testGreetAnswersAndCountsTheVisit' passed"), output)
        XCTAssertTrue(output.contains("Test Case 'CounterTests.testIncrementShowsTheCount' passed"), output)
        XCTAssertTrue(output.contains("Test Case 'CounterTests.testThePageMaySetTheCount' passed"), output)
    }

    func testTheManifestKeepsEverythingButTheDependencyLine() throws {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let manifest = try XCTUnwrap(OwnAppPackage.blocks(marker: "own-app", in: readme).first { $0.path == "Package.swift" }?.text)
        let rewritten = try OwnAppPackage.manifest(manifest, checkout: URL(fileURLWithPath: "/x/tether"))
        let removed = Set(manifest.components(separatedBy: "\n")).subtracting(rewritten.components(separatedBy: "\n"))
        XCTAssertEqual(removed, [OwnAppPackage.dependencyLine])
        XCTAssertTrue(rewritten.contains(#"        .package(path: "/x/tether"),"#))
        let mainSwift = try XCTUnwrap(OwnAppPackage.blocks(marker: "own-app", in: readme).first { $0.path == "Sources/hello/main.swift" }?.text)
        XCTAssertLessThanOrEqual(mainSwift.split(separator: "\n", omittingEmptySubsequences: false).count - 1, 30, "main.swift is at most 30 lines")
    }
}
