#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TetherBridge
import TetherJS

/// One browser page: what Swift uses to change it and read from it.
///
///     page.js.dom.count.innerHTML = 10                   // queued, sent with the next poll
///     page.run(page.js.alert("hi"))                      // a statement with no value
///     let x = try page.eval(page.js.adjust(5), as: Double.self)   // blocks until the page answers
public final class Page: Sendable {
    /// The session id (also in the page script and in `X-Tether-Session`).
    public let id: String
    /// The www file this page was served from (`index.html`, `clock.html`).
    public let path: String
    /// The builder bound to this page: assignments made with it are queued here.
    public let js: JS
    /// How long `eval` waits when no timeout is given.
    public let defaultEvalTimeout: Duration
    /// The request that opened the page: path, query, headers, cookies, client address.
    public var request: PageRequest { PageRequest(session.openingRequest) }

    let session: Session
    let appLock: OwnedLock
    /// The thread running the app's `init(page:)` (0 after): the page it serves has not
    /// reached the browser yet, so a read from that thread could never be answered.
    private let initializingThread = Atomic<UInt>(0)

    init(session: Session, defaultEvalTimeout: Duration, appLock: OwnedLock) {
        self.session = session
        id = session.id
        path = session.pagePath
        js = JS(sink: SessionSink(session: session))
        self.defaultEvalTimeout = defaultEvalTimeout
        self.appLock = appLock
    }

    /// False once the page has unloaded, stopped polling or the server is stopping.
    public var isOpen: Bool { session.isOpen }

    /// Sends a statement: `page.run(page.js.alert("hi"))`. Dropped if the page has closed.
    public func run(_ statement: JS) {
        session.queue(.run(statement._expressionOrEmpty))
    }

    /// Evaluates an expression in the page and decodes its value; blocks the calling thread
    /// (never call it from Swift concurrency) until the page answers or `timeout` passes.
    public func eval<T: Decodable>(_ expression: JS, as type: T.Type = T.self, timeout: Duration? = nil) throws(EvalError) -> T {
        let code = JS.code(of: expression)
        let timeout = timeout ?? defaultEvalTimeout
        if initializingThread.load(ordering: .relaxed) == UInt(pthread_self()) {
            throw .unanswerable(statement: code, reason: "init(page:) runs while the page's first request opens its session, before it "
                + "can run anything; read in main, in an exposed method, or queue writes instead")
        }
        switch session.read(expression._expressionOrEmpty, timeout: timeout) {
        case .value(let json):
            do {
                return try JSONCoding.decode(T.self, from: json)
            } catch {
                throw .wrongType(expected: "\(T.self)", received: String(json.jsonText.prefix(500)), statement: code)
            }
        case .exception(let message):
            throw .exception(message: message, statement: code)
        case .timedOut:
            throw .timedOut(statement: code, after: timeout)
        case .closed:
            throw .pageClosed(statement: code)
        }
    }

    /// A JavaScript function value that calls the exposed method `name` when the page invokes it:
    /// `page.js.dom.b2.onclick = page.callback("restart")`. The method gets `arguments` (as
    /// literals; a builder value such as `page.js.dom.name.value` is read when the event fires),
    /// then the chosen fields of the event, typed like any call:
    ///
    ///     page.js.dom.entry.onkeydown = page.callback("typed", "entry", event: [.key, .targetValue])
    ///     .method("typed") { (app, field: String, key: String, text: String) in … }
    ///
    /// Nothing is kept on the server, so reassigning it grows nothing.
    public func callback(_ name: String, _ arguments: any JSConvertible..., event fields: [EventField] = []) -> JS {
        let callback = JSExpression.callback(name: name, arguments: arguments.map { JS($0)._expressionOrEmpty },
                                             eventFields: fields.map(\.path))
        // Not pure, as when it was code: a full outbox never coalesces a handler assignment away.
        return JS(_expression: callback, sink: nil, isPure: false)
    }

    /// Runs the app's `init(page:)`: reads made inside it fail at once (`.unanswerable`).
    func initializing<A>(_ body: () -> A) -> A {
        initializingThread.store(UInt(pthread_self()), ordering: .relaxed)
        defer { initializingThread.store(0, ordering: .relaxed) }
        return body()
    }

    /// Waits without holding the app's lock, so the page's calls run meanwhile.
    /// Returns false at once when the page closes: `while page.sleep(.milliseconds(100)) { … }`.
    @discardableResult
    public func sleep(_ duration: Duration) -> Bool {
        appLock.whileReleased {
            !session.waitUntilClosed(timeout: duration)
        }
    }

    /// Runs `body` with this page's app, holding its lock; nil when the page has closed or
    /// its app is not an `A`. For code outside the app (tests, broadcasts) that reads its state.
    public func withApp<A: App, Result>(as type: A.Type, _ body: (A) throws -> Result) rethrows -> Result? {
        guard let endpoint = session.endpoint as? AppEndpoint<A> else { return nil }
        return try appLock.withLock { try body(endpoint.app) }
    }

    /// Reloads the page in the browser (it gets a new session).
    public func reload() { session.queue(PageOperation.reload) }

    /// Closes the session now (the app's `pageClosed` hears `.closedByApp`); the page
    /// reloads itself when it notices.
    public func close() { session.close(.closedByServer) }
}

/// Routes a page builder's assignments into the session's outbox.
struct SessionSink: JSSink {
    let session: Session

    func queue(statement: String, assignmentTarget: String?) {
        session.queue(.run(.code(statement)), coalescingKey: assignmentTarget)
    }

    func queue(_ operation: PageOperation, coalescingKey: String?) {
        session.queue(operation, coalescingKey: coalescingKey)
    }

    func report(unencodable error: JSONEncodingError, target: String) {
        session.report([PageError(kind: .unencodable, name: "JSONEncodingError", message: error.description, statement: target + "=…")])
    }
}
