import Dispatch
import FoundationEssentials
import Synchronization
import Tether

/// One page of an app, in process: no sockets, no browser. A simulated page takes what the
/// app queues (as JavaScript strings, in order) and answers the app's reads by your rules.
///
///     let page = try TestPage(Counter.self)
///     try page.call("increment")
///     XCTAssertEqual(page.statements, [#"document.getElementById("count").innerHTML=1"#])
///     XCTAssertEqual(try page.call("getresult", 125, 99, as: Int.self), 224)
///     page.answer("adjust(5.0)", with: 6.5)        // what the page says when the app evals it
///     page.close()                                 // main ends, evals throw pageClosed
public final class TestPage<A: App>: Sendable {
    /// The page the app was given.
    public let page: Page
    private let session: Session
    private let endpoint: AppEndpoint<A>
    private let browser: SimulatedBrowser

    /// Opens a page for `A`, as serving its HTML would. `main` (if any) starts only with `startMain()`.
    /// `evalTimeout` bounds reads nobody answers. `request` is what the app sees as `page.request`:
    /// `TestPage(Kiosk.self, request: HTTPRequest(method: "GET", target: "/?screen=lobby"))`.
    public init(_ type: A.Type = A.self, evalTimeout: Duration = .seconds(2),
                request: HTTPRequest = HTTPRequest(method: "GET", target: "/test.html")) throws {
        // The page's session lives in a Bridge of its own, which the simulated browser polls in
        // process; it serves no pages (so names no names), and holds polls briefly.
        var configuration = BridgeConfiguration()
        configuration.pollHold = Self.pollHold
        let bridge = Bridge(files: try StaticFiles(embedded: EmbeddedFiles(files: [:]), log: .silent), configuration: configuration,
                            log: .silent, exposedNames: { _ in ExposedNames() }) { session in
            AppEndpoint<A>(session: session, exposed: A.exposed, evalTimeout: evalTimeout, log: .silent)
        }
        session = try bridge.registry.create(pagePath: "test.html", openingRequest: request)
        endpoint = AppEndpoint<A>(session: session, exposed: A.exposed, evalTimeout: evalTimeout, log: .silent)
        session.attach(endpoint)
        page = endpoint.page
        browser = try SimulatedBrowser(session: session, bridge: bridge)
    }

    /// How long the simulated page's poll waits when nothing is queued.
    static var pollHold: Duration { .milliseconds(50) }

    deinit { session.close(.unloaded) }

    // MARK: Acting as the page

    /// Calls an exposed method as the page would; nil for a method without a result.
    /// Throws `EndpointError` as the server would answer it (not exposed, bad arguments, failed).
    @discardableResult
    public func call(_ name: String, _ arguments: any Encodable...) throws -> JSONValue {
        let values = try arguments.map(TestPage.jsonValue)
        let text = try session.batch { () throws(EndpointError) -> String in try endpoint.call(name, arguments: values) }
        return try JSONParser.parse(text)
    }

    /// Calls an exposed method and decodes its result.
    public func call<T: Decodable>(_ name: String, _ arguments: any Encodable..., as type: T.Type) throws -> T {
        let values = try arguments.map(TestPage.jsonValue)
        let text = try session.batch { () throws(EndpointError) -> String in try endpoint.call(name, arguments: values) }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// Reads an exposed property, as `await server.name` does.
    public func get<T: Decodable>(_ property: String, as type: T.Type) throws -> T {
        let text = try endpoint.get(property)
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// Writes an exposed property, as `server.name = value` does.
    public func set(_ property: String, _ value: some Encodable) throws {
        let json = try TestPage.jsonValue(value)
        try session.batch { () throws(EndpointError) in try endpoint.set(property, to: json) }
    }

    /// The names the page's `server` object has.
    public var exposedNames: ExposedNames { endpoint.exposedNames }

    // MARK: What the app sent

    /// Every statement and read the app has queued, oldest first.
    public var statements: [String] { browser.drain(); return browser.received }

    /// Returns the statements so far and forgets them.
    public func takeStatements() -> [String] {
        browser.drain()
        return browser.take()
    }

    /// Waits until at least `count` statements have been queued (for `main`), up to `timeout`.
    @discardableResult
    public func waitForStatements(_ count: Int, timeout: Duration = .seconds(5)) -> [String] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            browser.drain()
            if browser.received.count >= count { break }
            _ = session.waitUntilClosed(timeout: .milliseconds(2))
        }
        return statements
    }

    // MARK: Firing callbacks

    /// Fires a `page.callback(…)` as the browser would on an event: calls its method with the
    /// callback's arguments, then the chosen fields read from `event` (missing ones are null).
    ///
    ///     try page.trigger(app.page.callback("typed", event: [.key, .targetValue]),
    ///                      event: ["key": "Enter", "target": ["value": "hello"]])
    @discardableResult
    public func trigger(_ callback: JS, event: [String: any Encodable & Sendable] = [:]) throws -> JSONValue {
        try trigger(code: JS.code(of: callback), event: event)
    }

    /// Fires the callback the app last assigned to the element's handler:
    /// `try page.trigger(element: "b2", "onclick")` after `page.js.dom.b2.onclick = page.callback("restart")`.
    @discardableResult
    public func trigger(element id: String, _ handler: String, event: [String: any Encodable & Sendable] = [:]) throws -> JSONValue {
        browser.drain()
        let target = "document.getElementById(" + JSONText.quote(id) + ")." + handler + "="
        guard let statement = browser.history.last(where: { $0.hasPrefix(target) }) else {
            throw TestPageError("the app never assigned a callback to \(target.dropLast())")
        }
        return try trigger(code: String(statement.dropFirst(target.count)), event: event)
    }

    private func trigger(code: String, event: [String: any Encodable & Sendable]) throws -> JSONValue {
        let prefix = "(function(e){return tether.callback(", suffix = ",e)})"
        guard code.hasPrefix(prefix), code.hasSuffix(suffix),
              case .array(let parts)? = try? JSONParser.parse("[" + code.dropFirst(prefix.count).dropLast(suffix.count) + "]"),
              parts.count == 3, case .string(let name) = parts[0], case .array(let arguments) = parts[1],
              case .array(let paths) = parts[2]
        else { throw TestPageError("not a page.callback whose arguments are all JSON: \(code.prefix(200))") }
        var members: [String: JSONValue] = [:]
        for (key, value) in event { members[key] = try TestPage.jsonValue(value) }
        var values = arguments
        for path in paths {
            var value: JSONValue? = .object(members)
            if case .array(let keys) = path {
                for key in keys { value = key.stringValue.flatMap { value?[$0] } }
            }
            values.append(value ?? .null)
        }
        let text = try session.batch { () throws(EndpointError) -> String in try endpoint.call(name, arguments: values) }
        return try JSONParser.parse(text)
    }

    // MARK: Errors in the page

    /// The page reports an error, as the page script does with its next poll; returns once
    /// the app's `pageError` has run:
    /// `page.reportError(PageError(kind: .command, seq: 3, name: "TypeError", message: "x is null", statement: "x.y=1"))`.
    public func reportError(_ error: PageError) {
        session.report([error])
        endpoint.waitForErrorHooks()
    }

    // MARK: Answering reads

    /// The page answers a read of exactly this JavaScript with `value`.
    public func answer(_ expression: String, with value: some Encodable) {
        let json = (try? TestPage.jsonValue(value)) ?? .null
        browser.addRule { $0 == expression ? .value(json) : nil }
    }

    /// The page's evaluation of exactly this JavaScript throws `message` (`TypeError: …`).
    public func fail(_ expression: String, with message: String) {
        browser.addRule { $0 == expression ? .exception(message) : nil }
    }

    /// Answers reads by a rule of your own; return nil to leave a read unanswered (it times out).
    public func answerReads(_ rule: @escaping @Sendable (String) -> ReadOutcome?) {
        browser.addRule(rule)
    }

    // MARK: The page's life

    /// Runs the app's `main` on its own thread, as serving the page would.
    public func startMain() { endpoint.sessionOpened() }

    /// True once `main` has returned (or never started) within `timeout`.
    public func waitForMainToEnd(timeout: Duration = .seconds(5)) -> Bool {
        endpoint.waitForMainToEnd(timeout: timeout)
    }

    /// Closes the page: `main` sees `page.isOpen` false, reads throw `EvalError.pageClosed`,
    /// and the app's `pageClosed` hears `reason` (once; a second close changes nothing).
    public func close(_ reason: PageCloseReason = .unloaded) {
        switch reason {
        case .unloaded: session.close(.unloaded)
        case .expired: session.close(.stoppedPolling)
        case .serverStopping: session.close(.serverStopping)
        case .closedByApp: page.close()
        case .gaveWay: session.close(.gaveWay)
        }
    }

    public var isOpen: Bool { session.isOpen }

    /// Runs `body` with the app, holding its lock.
    public func withApp<Result>(_ body: (A) throws -> Result) rethrows -> Result? {
        try page.withApp(as: A.self, body)
    }

    static func jsonValue(_ value: any Encodable) throws -> JSONValue {
        try JSONParser.parse(Array(try JSONEncoder().encode(value)))
    }
}

/// A `TestPage` could not do what the test asked (the app never did what it expects).
public struct TestPageError: Error, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
