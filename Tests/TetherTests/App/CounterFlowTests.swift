import XCTest
import TetherClient
@testable import Tether
@testable import TetherDemos

/// The counter demo over real sockets with a fake browser: calls, writes, properties.
final class CounterFlowTests: XCTestCase {
    func testIncrementWritesCountToThePageInOrder() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port)
        defer { browser.vanish() }
        for _ in 1...3 { XCTAssertEqual(try browser.call("increment").jsonText, "null") }
        XCTAssertEqual(browser.waitForCommands(3), [
            "document.getElementById(\"count\").innerHTML=1",
            "document.getElementById(\"count\").innerHTML=2",
            "document.getElementById(\"count\").innerHTML=3",
        ])
        let page = try XCTUnwrap(server.page(id: browser.session))
        XCTAssertEqual(page.withApp(as: Counter.self) { $0.count }, 3)
    }

    func testGetresultReturnsTheSum() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port)
        defer { browser.vanish() }
        XCTAssertEqual(try browser.call("getresult", "125, 99").jsonText, "224")
        XCTAssertEqual(try browser.call("getresult", "1.5, 2").jsonText, "3.5")
        XCTAssertEqual(refusal { try browser.call("getresult", "\"a\", 2") }, 400)
        XCTAssertEqual(refusal { try browser.call("getresult", "1") }, 400)
    }

    func testCountPropertyGetAndSetFromThePage() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port)
        defer { browser.vanish() }
        try browser.call("increment")
        try browser.call("increment")
        XCTAssertEqual(try browser.get("count"), .number("2"))
        XCTAssertNoThrow(try browser.set("count", .number("0")))
        XCTAssertEqual(try browser.get("count"), .number("0"))
        XCTAssertEqual(browser.waitForCommands(3).last, "document.getElementById(\"count\").innerHTML=0")
        let wrongType = refusal { try browser.set("count", .string("zero")) }
        XCTAssertEqual(wrongType, 400)
        XCTAssertEqual(server.page(id: browser.session)?.withApp(as: Counter.self) { $0.count }, 0)
    }

    func testTwoPagesAreIsolated() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let first = try PageClient.live(port: server.port)
        let second = try PageClient.live(port: server.port)
        defer { first.vanish(); second.vanish() }
        for _ in 1...5 { try first.call("increment") }
        try second.call("increment")
        XCTAssertEqual(first.waitForCommands(5).count, 5)
        XCTAssertEqual(second.waitForCommands(1), ["document.getElementById(\"count\").innerHTML=1"])
        XCTAssertEqual(server.page(id: first.session)?.withApp(as: Counter.self) { $0.count }, 5)
        XCTAssertEqual(server.page(id: second.session)?.withApp(as: Counter.self) { $0.count }, 1)
        usleep(50_000)
        XCTAssertEqual(second.received.count, 1, "the first page's writes never reach the second")
    }

    func testUnexposedNamesAreUnreachable() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port)
        defer { browser.vanish() }
        for name in ["page", "init", "deinit", "main", "exposed", "count"] {
            XCTAssertEqual(refusal { try browser.call(name) }, 404, name)
        }
        XCTAssertEqual(refusal { try browser.get("page") }, 404)
    }

    func testBroadcastReachesEveryOpenPage() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let first = try PageClient.live(port: server.port)
        let second = try PageClient.live(port: server.port)
        defer { first.vanish(); second.vanish() }
        XCTAssertNotNil(server.waitForPage(first.session))
        XCTAssertNotNil(server.waitForPage(second.session))
        XCTAssertEqual(server.pages.count, 2)
        server.broadcast { $0.js.dom.banner.innerHTML = "Closing at 6" }
        XCTAssertEqual(first.waitForCommands(1), ["document.getElementById(\"banner\").innerHTML=\"Closing at 6\""])
        XCTAssertEqual(second.waitForCommands(1), ["document.getElementById(\"banner\").innerHTML=\"Closing at 6\""])
    }
}
