import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A trap ends the whole daemon, so no input a local client can send may reach one.
/// These run the built `tetherd` and send what used to crash it.
final class HostileInputTests: XCTestCase {
    private func launch() throws -> (TetherdProcess, Int) {
        let daemon = try TetherdProcess(["--port", "0", "--www", TestPaths.www])
        guard let port = daemon.waitForListeningPort() else {
            XCTFail("tetherd never logged its address: \(daemon.stderr)")
            throw XCTSkip("no daemon")
        }
        return (daemon, port)
    }

    private func post(_ port: Int, _ body: String) throws -> CurlResult {
        try curl(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body,
                  "http://127.0.0.1:\(port)/_process_srv0"])
    }

    func testLargestCountThenIncrementLeavesTheDaemonAlive() throws {
        let (daemon, port) = try launch()
        defer { daemon.kill() }
        let page = try curl(["http://127.0.0.1:\(port)/"])
        let session = try XCTUnwrap(page.headers["x-tether-session"])

        let set = try post(port, #"{"session":"\#(session)","task":"set","property":"count","value":9223372036854775807}"#)
        XCTAssertEqual(set.status, 400, set.body)
        XCTAssertTrue(set.body.contains("\"bad_arguments\""), set.body)
        let beyond = try post(port, #"{"session":"\#(session)","task":"set","property":"count","value":9223372036854775808}"#)
        XCTAssertEqual(beyond.status, 400, beyond.body)
        // The largest count the page holds exactly, then one more.
        XCTAssertEqual(try post(port, #"{"session":"\#(session)","task":"set","property":"count","value":9007199254740991}"#).status, 200)
        let increment = try post(port, #"{"session":"\#(session)","task":"call","function":"increment","args":[]}"#)
        XCTAssertEqual(increment.status, 400, increment.body)
        XCTAssertTrue(increment.body.contains("the count is at its largest"), increment.body)

        let infinite = try post(port, #"{"session":"\#(session)","task":"call","function":"getresult","args":[1e999,1]}"#)
        XCTAssertEqual(infinite.status, 400, infinite.body)
        let overflowing = try post(port, #"{"session":"\#(session)","task":"call","function":"getresult","args":[1e308,1e308]}"#)
        XCTAssertEqual(overflowing.status, 400, overflowing.body)

        // Still serving, and the same page still works.
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200)
        XCTAssertEqual(try post(port, #"{"session":"\#(session)","task":"get","property":"count"}"#).body, #"{"value":9007199254740991}"#)
        XCTAssertNil(daemon.waitForExit(timeout: 0.2), "tetherd died: \(daemon.stderr)")
        XCTAssertFalse(daemon.stderr.contains("Fatal error"), daemon.stderr)
    }
}
