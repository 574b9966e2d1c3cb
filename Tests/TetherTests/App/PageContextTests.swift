import Foundation
import Synchronization
import XCTest
import TetherClient
@testable import Tether
import TetherTesting

/// What an app learns of its page: the request that opened it, and when and why it went.
final class PageContextTests: XCTestCase {
    /// A kiosk screen that reads its request in `init(page:)` and records how it closed.
    final class Screen: App {
        static let closes = Mutex<[String: [PageCloseReason]]>([:])
        let request: PageRequest
        let page: Page

        init(page: Page) {
            self.page = page
            request = page.request
        }

        func pageClosed(_ reason: PageCloseReason) {
            Self.closes.withLock { $0[page.id, default: []].append(reason) }
        }

        static func closes(of id: String) -> [PageCloseReason] { closes.withLock { $0[id] ?? [] } }

        static var exposed: Exposed<Screen> {
            Exposed()
                .method("screen") { $0.request.query("screen") }
                .method("leave") { $0.page.close() }
        }
    }

    private func startServer(_ configure: (inout Server.Configuration) -> Void = { _ in }) throws -> Server {
        var configuration = Server.Configuration()
        configuration.http.port = 0
        configuration.www = TestPaths.www
        configuration.log = .silent
        configure(&configuration)
        let server = Server(configuration: configuration, defaultApp: Screen.self)
        try server.start()
        return server
    }

    // MARK: The opening request

    /// The address comes from the page load (carried in its token); headers, cookies and the
    /// client from the page's first request, which opens its session.
    func testInitSeesPathQueryHeadersCookiesAndClientAddress() throws {
        let server = try startServer()
        defer { server.stop() }
        let served = try curl(["http://127.0.0.1:\(server.port)/index.html?screen=lobby&note=a%20b+c&flag"])
        XCTAssertEqual(served.status, 200)
        let id = try XCTUnwrap(served.headers["x-tether-session"])
        let first = try curl(["-H", "Cookie: theme=dark; sid=\"abc\"; theme=light", "-H", "X-Kiosk: hall 7",
                              "-H", "Content-Type: application/json",
                              "-d", #"{"session":"\#(id)","task":"call","function":"screen","args":[]}"#,
                              "http://127.0.0.1:\(server.port)/_process_srv0"])
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.body, #"{"value":"lobby"}"#)
        let request = try XCTUnwrap(server.waitForPage(id)?.withApp(as: Screen.self) { $0.request })
        XCTAssertEqual(request.path, "/index.html")
        XCTAssertEqual(request.queryItems, [
            .init(name: "screen", value: "lobby"), .init(name: "note", value: "a b c"), .init(name: "flag", value: ""),
        ])
        XCTAssertEqual(request.query("screen"), "lobby")
        XCTAssertNil(request.query("missing"))
        XCTAssertEqual(request.headers["x-kiosk"], "hall 7")
        XCTAssertEqual(request.cookies, ["theme": "dark", "sid": "abc"])
        XCTAssertEqual(request.clientAddress, "127.0.0.1")
    }

    func testTheAppAnswersFromItsRequest() throws {
        let page = try TestPage(Screen.self, request: HTTPRequest(method: "GET", target: "/?screen=lobby",
                                                                  headers: ["Cookie": "a=1"], peerAddress: "10.0.0.9"))
        XCTAssertEqual(try page.call("screen", as: String.self), "lobby")
        XCTAssertEqual(page.page.request.cookies, ["a": "1"])
        XCTAssertEqual(page.page.request.clientAddress, "10.0.0.9")
    }

    // MARK: The close hook

    func testUnloadIsHeardOnce() throws {
        let server = try startServer()
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port)
        XCTAssertNotNil(server.waitForPage(browser.session))
        try browser.unload()
        XCTAssertTrue(waitUntil { Screen.closes(of: browser.session) == [.unloaded] }, "\(Screen.closes(of: browser.session))")
        try browser.unload()
        usleep(50_000)
        XCTAssertEqual(Screen.closes(of: browser.session), [.unloaded])
    }

    func testExpiryServerStopAndAppCloseEachHaveTheirReason() throws {
        let server = try startServer { $0.bridge.firstPollTimeout = .seconds(1); $0.bridge.sweepInterval = .milliseconds(50) }
        // Opens its session with a call, then never polls: expires.
        let silent = try XCTUnwrap(try curl(["http://127.0.0.1:\(server.port)/index.html"]).headers["x-tether-session"])
        let opened = try curl(["-H", "Content-Type: application/json",
                               "-d", #"{"session":"\#(silent)","task":"call","function":"screen","args":[]}"#,
                               "http://127.0.0.1:\(server.port)/_process_srv0"])
        XCTAssertEqual(opened.status, 200)
        XCTAssertTrue(waitUntil { Screen.closes(of: silent) == [.expired] }, "\(Screen.closes(of: silent))")
        // The app closes its own page from a call.
        let leaving = try PageClient.live(port: server.port)
        defer { leaving.vanish() }
        XCTAssertNoThrow(try leaving.call("leave"))
        XCTAssertEqual(Screen.closes(of: leaving.session), [.closedByApp])
        // The server stops with a page open.
        let staying = try PageClient.live(port: server.port)
        defer { staying.vanish() }
        XCTAssertNotNil(server.waitForPage(staying.session))
        server.stop()
        XCTAssertEqual(Screen.closes(of: staying.session), [.serverStopping])
    }

    func testTestPageCloseTellsTheApp() throws {
        let page = try TestPage(Screen.self)
        page.close(.expired)
        page.close(.unloaded)
        XCTAssertEqual(Screen.closes(of: page.page.id), [.expired])
    }

    private func waitUntil(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }
}

/// Callbacks carry their arguments and the event's fields, fired here through TestPage.
final class CallbackTests: XCTestCase {
    final class Entry: App {
        let page: Page
        var typed: [String] = []
        init(page: Page) { self.page = page }

        static var exposed: Exposed<Entry> {
            Exposed()
                .method("arm") { app in
                    app.page.js.dom.entry.onkeydown = app.page.callback("typed", "entry", 2, event: [.key, .targetValue])
                }
                .method("typed") { (app, field: String, times: Int, key: String, text: String?) in
                    app.typed.append("\(field) \(times) \(key) \(text ?? "nil")")
                }
        }
    }

    func testTheCallbackCodeIsDataNotCode() throws {
        let page = try TestPage(Entry.self)
        XCTAssertEqual(JS.code(of: page.page.callback("typed", "a\"<", event: [.key, EventField("target", "dataset", "id")])),
                       #"(function(e){return tether.callback("typed",["a\"\u003c"],[["key"],["target","dataset","id"]],e)})"#)
        XCTAssertEqual(JS.code(of: page.page.callback("restart")), "(function(e){return tether.callback(\"restart\",[],[],e)})")
    }

    func testTriggeredCallbackReachesTheMethodTyped() throws {
        let page = try TestPage(Entry.self)
        try page.call("arm")
        try page.trigger(element: "entry", "onkeydown", event: ["key": "Enter", "target": ["value": "hello"]])
        try page.trigger(element: "entry", "onkeydown", event: ["key": "a"])
        XCTAssertEqual(page.withApp { $0.typed }, ["entry 2 Enter hello", "entry 2 a nil"])
        XCTAssertThrowsError(try page.trigger(element: "entry", "onkeydown", event: ["key": 5])) { error in
            guard case .badArguments? = error as? EndpointError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try page.trigger(element: "other", "onclick")) { XCTAssertTrue($0 is TestPageError) }
    }
}
