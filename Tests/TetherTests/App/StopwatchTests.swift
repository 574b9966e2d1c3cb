import XCTest
import TetherClient
@testable import Tether
@testable import TetherDemos

/// The stopwatch demo: main writes the time, the callback swap, main ends with its page.
final class StopwatchTests: XCTestCase {
    func testMainWritesTheTimeWhileRunning() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/clock.html")
        defer { browser.vanish() }
        let writes = browser.waitForCommands(3)
        XCTAssertGreaterThanOrEqual(writes.count, 3)
        XCTAssertTrue(writes.allSatisfy { $0.hasPrefix("document.getElementById(\"time\").innerHTML=\"") }, "\(writes)")
    }

    func testStopSwapsButtonToRestartCallbackAndBack() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/clock.html")
        defer { browser.vanish() }
        XCTAssertNoThrow(try browser.call("stop"))
        let afterStop = browser.waitForCommands(2).filter { $0.contains("\"b2\"") }
        XCTAssertEqual(afterStop, [
            "document.getElementById(\"b2\").innerHTML=\"Restart\"",
            "document.getElementById(\"b2\").onclick=(function(e){return tether.callback(\"restart\",[],[],e)})",
        ])
        XCTAssertEqual(server.page(id: browser.session)?.withApp(as: Stopwatch.self) { $0.isRunning }, false)
        XCTAssertNoThrow(try browser.call("restart"))
        let deadline = Date().addingTimeInterval(5)
        var swaps: [String] = []
        while Date() < deadline && swaps.count < 4 {
            swaps = browser.received.filter { $0.contains("\"b2\"") }
            usleep(1000)
        }
        XCTAssertEqual(Array(swaps.suffix(2)), [
            "document.getElementById(\"b2\").innerHTML=\"Pause\"",
            "document.getElementById(\"b2\").onclick=(function(e){return tether.callback(\"stop\",[],[],e)})",
        ])
        XCTAssertEqual(server.page(id: browser.session)?.withApp(as: Stopwatch.self) { $0.isRunning }, true)
    }

    func testClockDoesNotAdvanceWhilePaused() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/clock.html")
        defer { browser.vanish() }
        try browser.call("stop")
        let page = try XCTUnwrap(server.page(id: browser.session))
        let first = try XCTUnwrap(page.withApp(as: Stopwatch.self) { $0.elapsed })
        usleep(150_000)
        XCTAssertEqual(page.withApp(as: Stopwatch.self) { $0.elapsed }, first)
    }

    func testMainEndsWhenThePageCloses() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/clock.html")
        browser.waitForCommands(1)
        let page = try XCTUnwrap(server.page(id: browser.session))
        weak let app = page.withApp(as: Stopwatch.self) { $0 }
        XCTAssertNotNil(app)
        try browser.unload()
        // main's thread lets go of the app once it returns; nothing else holds it.
        let deadline = Date().addingTimeInterval(5)
        while app != nil && Date() < deadline { usleep(1000) }
        XCTAssertNil(app, "main ended and the app was freed")
        XCTAssertEqual(server.bridge?.registry.count, 0)
    }
}
