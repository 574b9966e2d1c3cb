import XCTest
@testable import Tether
@testable import TetherDemos

/// The counter demo over real sockets with a fake browser: calls, writes, properties.
final class CounterFlowTests: XCTestCase {
    func testIncrementWritesCountToThePageInOrder() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try FakeBrowser(port: server.port)
        defer { browser.vanish() }
        for _ in 1...3 { XCTAssertEqual(browser.call("increment")?.text, "{\"value\":null}") }
        XCTAssertEqual(browser.waitForStatements(3), [
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
        let browser = try FakeBrowser(port: server.port)
        defer { browser.vanish() }
        XCTAssertEqual(browser.call("getresult", "125, 99")?.text, "{\"value\":224}")
        XCTAssertEqual(browser.call("getresult", "1.5, 2")?.text, "{\"value\":3.5}")
        let wrong = browser.call("getresult", "\"a\", 2")
        XCTAssertEqual(wrong?.status, 400)
        XCTAssertEqual(browser.call("getresult", "1")?.status, 400)
    }

    func testCountPropertyGetAndSetFromThePage() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try FakeBrowser(port: server.port)
        defer { browser.vanish() }
        _ = browser.call("increment")
        _ = browser.call("increment")
        XCTAssertEqual(browser.post("{\"session\":\"\(browser.session)\",\"task\":\"get\",\"property\":\"count\"}")?.text, "{\"value\":2}")
        XCTAssertEqual(browser.post("{\"session\":\"\(browser.session)\",\"task\":\"set\",\"property\":\"count\",\"value\":0}")?.status, 200)
        XCTAssertEqual(browser.post("{\"session\":\"\(browser.session)\",\"task\":\"get\",\"property\":\"count\"}")?.text, "{\"value\":0}")
        XCTAssertEqual(browser.waitForStatements(3).last, "document.getElementById(\"count\").innerHTML=0")
        let wrongType = browser.post("{\"session\":\"\(browser.session)\",\"task\":\"set\",\"property\":\"count\",\"value\":\"zero\"}")
        XCTAssertEqual(wrongType?.status, 400)
        XCTAssertEqual(server.page(id: browser.session)?.withApp(as: Counter.self) { $0.count }, 0)
    }

    func testTwoPagesAreIsolated() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let first = try FakeBrowser(port: server.port)
        let second = try FakeBrowser(port: server.port)
        defer { first.vanish(); second.vanish() }
        for _ in 1...5 { _ = first.call("increment") }
        _ = second.call("increment")
        XCTAssertEqual(first.waitForStatements(5).count, 5)
        XCTAssertEqual(second.waitForStatements(1), ["document.getElementById(\"count\").innerHTML=1"])
        XCTAssertEqual(server.page(id: first.session)?.withApp(as: Counter.self) { $0.count }, 5)
        XCTAssertEqual(server.page(id: second.session)?.withApp(as: Counter.self) { $0.count }, 1)
        usleep(50_000)
        XCTAssertEqual(second.received.count, 1, "the first page's writes never reach the second")
    }

    func testUnexposedNamesAreUnreachable() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let browser = try FakeBrowser(port: server.port)
        defer { browser.vanish() }
        for name in ["page", "init", "deinit", "main", "exposed", "count"] {
            XCTAssertEqual(browser.call(name)?.status, 404, name)
        }
        XCTAssertEqual(browser.post("{\"session\":\"\(browser.session)\",\"task\":\"get\",\"property\":\"page\"}")?.status, 404)
    }

    func testBroadcastReachesEveryOpenPage() throws {
        let server = try startDemoServer()
        defer { server.stop() }
        let first = try FakeBrowser(port: server.port)
        let second = try FakeBrowser(port: server.port)
        defer { first.vanish(); second.vanish() }
        XCTAssertNotNil(server.waitForPage(first.session))
        XCTAssertNotNil(server.waitForPage(second.session))
        XCTAssertEqual(server.pages.count, 2)
        server.broadcast { $0.js.dom.banner.innerHTML = "Closing at 6" }
        XCTAssertEqual(first.waitForStatements(1), ["document.getElementById(\"banner\").innerHTML=\"Closing at 6\""])
        XCTAssertEqual(second.waitForStatements(1), ["document.getElementById(\"banner\").innerHTML=\"Closing at 6\""])
    }
}
