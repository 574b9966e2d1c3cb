import Synchronization
import TetherHTTP

/// Turns a request into a response: the `_process_srv0` protocol, `_health`, and pages from
/// www with the page script injected. A page served carries a signed token and holds no
/// server state; its session opens at its first POST (which a cross-site page cannot send).
/// A plain `HTTPHandler`, so it can sit behind any server that makes `HTTPRequest` values.
public final class Bridge: HTTPHandler {
    /// Makes the endpoint (the app) for a new page's session.
    public typealias EndpointFactory = @Sendable (Session) -> any SessionEndpoint

    public let registry: SessionRegistry
    public let files: StaticFiles
    public let configuration: BridgeConfiguration
    private let makeEndpoint: EndpointFactory
    private let exposedNames: @Sendable (_ pagePath: String) -> ExposedNames
    private let log: Log
    private let version: String
    private let stopping = Atomic<Bool>(false)
    private let firstPolls = FirstPolls()
    /// The hosts this server answers for; nil leaves `Host` unchecked (when mounted behind
    /// a server that checks it) and `Origin` compared with `Host`.
    private let hosts: HostAllowList?

    /// `exposedNames` gives the names a page's script offers (by the www path it was served
    /// from) without making an endpoint: a page load makes no app.
    public init(files: StaticFiles, configuration: BridgeConfiguration = .init(), version: String = "0",
                hosts: HostAllowList? = nil, log: Log = Log(),
                exposedNames: @escaping @Sendable (_ pagePath: String) -> ExposedNames,
                makeEndpoint: @escaping EndpointFactory) {
        self.exposedNames = exposedNames
        self.files = files
        self.hosts = hosts
        self.configuration = configuration
        self.version = version
        self.log = log
        self.makeEndpoint = makeEndpoint
        registry = SessionRegistry(configuration: configuration, log: log)
    }

    /// Answers on this thread, holding it through a long poll (for use behind another server).
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let responder = BlockingResponder()
        respond(to: request, responder: responder)
        return responder.wait()
    }

    /// Polls are answered without a worker: parked until there is something to send, so a
    /// held poll pins no thread, and answers to reads reach `page.eval` even when every worker
    /// waits in one. Plain files are answered here too; whatever may run app code (calls, a
    /// page's first request, which opens its session), pages (read and changed) and `_health`
    /// go to a worker.
    public func respond(to request: HTTPRequest, responder: any HTTPResponder) {
        // DNS rebinding: a page on another site whose name now points at 127.0.0.1 still
        // sends its own name as Host. (A request without Host is not from a browser.)
        if let hosts, let host = request.headers["Host"], !hosts.allows(authority: host) {
            responder.send(.error(.forbidden, code: "foreign_host", message: "this server does not answer for host '\(host)'"))
            return
        }
        if request.path.hasSuffix("/_process_srv0") {
            process(request, responder: responder)
            return
        }
        if request.path.hasSuffix("/_health") {
            responder.runOnWorker { responder.send(self.health(request)) }
            return
        }
        // A plain file is answered here, as nginx does: an open and a stat, then the body
        // streams from the I/O thread. A page is read whole and gets the script: a worker.
        switch files.lookup(request) {
        case .response(let response):
            responder.send(response)
        case .file(let file):
            guard request.method == "GET", MediaTypes.isHTML(file.contentType) else {
                return responder.send(files.response(for: file, request: request))
            }
            responder.runOnWorker { responder.send(self.servePage(file, request: request)) }
        }
    }

    /// Ends every session (polls return at once with 503, which the page waits out) and
    /// refuses new pages. Called when the server stops.
    public func shutdown() {
        stopping.store(true, ordering: .releasing)
        registry.stopSweeper()
        registry.closeAll(.serverStopping)
    }

    /// Every open page reloads (SIGHUP): it gets the current files and a fresh session.
    public func reloadAllPages() {
        for session in registry.all { session.queue(PageOperation.reload) }
    }

    // MARK: Pages

    private func servePage(_ file: StaticFiles.File, request: HTTPRequest) -> HTTPResponse {
        if stopping.load(ordering: .acquiring) {
            return .error(.serviceUnavailable, code: "shutting_down", message: "the server is stopping")
        }
        // The token carries the address the page was loaded at, so it stays a header's size.
        guard request.target.utf8.count <= Self.maxPageTargetBytes else {
            return .error(.uriTooLong, code: "uri_too_long",
                          message: "a page's address may be at most \(Self.maxPageTargetBytes) bytes long")
        }
        let token = registry.issueToken(pagePath: file.relativePath, target: request.target)
        let body = ScriptInjection.inject(into: file.bytes, session: token, names: exposedNames(file.relativePath),
                                          reportErrors: configuration.reportUncaughtPageErrors)
        return HTTPResponse(
            status: .ok,
            headers: [
                "Content-Type": file.contentType,
                // Each load carries a new token, so the page must never come from a cache.
                "Cache-Control": "no-store",
                "X-Tether-Session": token,
            ],
            body: body
        )
    }

    /// The session a POST names, opened now if this is its page's first request.
    private func session(for id: String, request: HTTPRequest, unloading: Bool) -> Result<Session, SessionRefusal> {
        if unloading {
            // A page leaving before its first request: nothing to open, and nothing later.
            guard let open = registry.session(id) else {
                registry.spend(id)
                return .failure(.unloadedBeforeOpening)
            }
            return .success(open)
        }
        if stopping.load(ordering: .acquiring), registry.session(id) == nil {
            return .failure(.response(.error(.serviceUnavailable, code: "shutting_down", message: "the server is stopping")))
        }
        do {
            var endpoint: (any SessionEndpoint)?
            let (session, isNew) = try registry.activate(id, firstRequest: request) { session in
                let made = makeEndpoint(session)
                session.attach(made)
                endpoint = made
            }
            if isNew {
                endpoint?.sessionOpened()
                firstPolls.sessionOpened(id)
            }
            return .success(session)
        } catch {
            switch error {
            case .unknown:
                return .failure(.response(Self.unknownSession))
            case .expired:
                return .failure(.response(.error(
                    .gone, code: "unknown_session",
                    message: "this page was loaded more than \(Int(configuration.firstPollTimeout.secondsValue)) s "
                        + "before its first request; reload the page")))
            case .full(let full):
                return .failure(.response(.error(.serviceUnavailable, code: "too_many_sessions", message: full.description)))
            }
        }
    }

    private enum SessionRefusal: Error {
        case response(HTTPResponse)
        case unloadedBeforeOpening
    }

    // MARK: Health

    private func health(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.error(.methodNotAllowed, code: "method_not_allowed", message: "use GET")
            response.headers.add("Allow", "GET, HEAD")
            return response
        }
        let isStopping = stopping.load(ordering: .acquiring)
        let problem = isStopping ? nil : files.confinement?.rootProblem
        let status = isStopping ? "stopping" : problem == nil ? "ok" : "degraded"
        let since = registry.secondsSinceLastPoll.map { String(Self.rounded($0)) } ?? "null"
        var response = HTTPResponse.json(
            "{\"status\":\"\(status)\",\(problem.map { "\"reason\":\(JSONText.quote($0))," } ?? "")"
                + "\"version\":\(JSONText.quote(version)),"
                + "\"uptime\":\(Self.rounded(registry.uptimeSeconds)),\"sessions\":\(registry.count),"
                + "\"sinceLastPoll\":\(since),\"pageErrors\":\(registry.pageErrorCount)}",
            status: status == "ok" ? .ok : .serviceUnavailable)
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    private static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    // MARK: Protocol

    private func process(_ request: HTTPRequest, responder: any HTTPResponder) {
        guard request.method == "POST" else {
            var response = HTTPResponse.error(.methodNotAllowed, code: "method_not_allowed", message: "use POST with a JSON body")
            response.headers.add("Allow", "POST")
            return responder.send(response)
        }
        if let refusal = OriginCheck.refusal(for: request, hosts: hosts) { return responder.send(refusal) }
        guard Self.isJSON(request.headers["Content-Type"]) else {
            return responder.send(.error(.unsupportedMediaType, code: "unsupported_media_type",
                                         message: "Content-Type must be application/json"))
        }
        let envelope: BridgeMessage.Envelope
        do {
            envelope = try BridgeMessage.parse(request.body)
        } catch {
            return responder.send(.error(.badRequest, code: "malformed_message", message: error.description))
        }
        guard case .next = envelope.message else {
            // App code: a worker. A page's first request also opens its session there.
            return responder.runOnWorker { responder.send(self.run(envelope, request: request)) }
        }
        // A `next` of an open session is parked here on the I/O thread, holding no worker.
        let id = envelope.session
        if registry.session(id) != nil { return pollOrRefuse(envelope, request: request, responder: responder) }
        // A page's first request opens its session and makes its app (`init(page:)`): a worker,
        // unless another request of the page (a call racing it) opens it first.
        let pending = FirstPolls.Pending { self.pollOrRefuse(envelope, request: request, responder: responder) }
        firstPolls.add(pending, for: id)
        if registry.session(id) != nil { return firstPolls.take(pending, for: id) }  // opened meanwhile
        responder.runOnWorker { self.firstPolls.take(pending, for: id) }
    }

    /// A `next`: the page's errors taken, then answered or parked (`poll`), or the refusal.
    private func pollOrRefuse(_ envelope: BridgeMessage.Envelope, request: HTTPRequest, responder: any HTTPResponder) {
        guard case .next(let ack, let results) = envelope.message else { return }
        switch self.session(for: envelope.session, request: request, unloading: false) {
        case .success(let session) where session.endpoint != nil:
            session.noteHeard()
            session.report(envelope.errors)
            poll(session, acknowledging: ack, results: results.map { ($0.id, $0.outcome) }, responder: responder)
        case .success, .failure(.unloadedBeforeOpening):
            responder.send(Self.unknownSession)
        case .failure(.response(let refusal)):
            responder.send(refusal)
        }
    }

    /// A call, get, set or unload: app code, on a worker.
    private func run(_ envelope: BridgeMessage.Envelope, request: HTTPRequest) -> HTTPResponse {
        let session: Session
        switch self.session(for: envelope.session, request: request, unloading: envelope.message == .unload) {
        case .success(let found): session = found
        case .failure(.unloadedBeforeOpening): return HTTPResponse(status: .noContent)
        case .failure(.response(let refusal)): return refusal
        }
        guard let endpoint = session.endpoint else { return Self.unknownSession }
        session.noteHeard()
        switch envelope.message {
        case .call(let function, let arguments):
            return answer(session, inlineAck: envelope.inlineAck) { () throws(EndpointError) in
                try endpoint.call(function, arguments: arguments)
            }
        case .get(let property):
            return answer { () throws(EndpointError) in try endpoint.get(property) }
        case .set(let property, let value):
            return answer(session, inlineAck: envelope.inlineAck) { () throws(EndpointError) in
                try endpoint.set(property, to: value)
                return "null"
            }
        case .next:
            return .error(.internalServerError, code: "internal", message: "a poll reached the call path")
        case .unload:
            session.close(.unloaded)
            return HTTPResponse(status: .noContent)
        }
    }

    /// Answers a `next` at once, or parks it until something is queued, a newer poll comes,
    /// the hold ends (the server's timer) or the client goes away.
    private func poll(_ session: Session, acknowledging ack: Int, results: [(id: Int, outcome: ReadOutcome)],
                      responder: any HTTPResponder) {
        registry.heldPollBegan()
        let registry = registry
        let start = session.beginPoll(acknowledging: ack, results: results) { waiter in
            let outcome = session.endPoll(waiter)
            registry.heldPollEnded()
            responder.send(Self.pollResponse(outcome))
        }
        switch start {
        case .answered(let outcome):
            registry.heldPollEnded()
            responder.send(Self.pollResponse(outcome))
        case .held(let waiter):
            responder.whenUnanswered(after: configuration.pollHold) { waiter.wake() }
            responder.whenClientGone {
                session.pollLost(waiter)
                waiter.wake()
            }
        }
    }

    private static func pollResponse(_ outcome: Session.PollOutcome) -> HTTPResponse {
        switch outcome {
        case .commands(let body):
            return .json(body)
        case .closed(.serverStopping):
            return .error(.serviceUnavailable, code: "shutting_down", message: "the server is stopping; try again shortly")
        case .closed:
            return unknownSession
        }
    }

    /// Runs a call or set as one batch of writes: they wake the page's poll when it ends, or,
    /// when the page asked for them inline, travel back in this reply as `"commands"`.
    private func answer(_ session: Session, inlineAck: Int?, _ body: () throws(EndpointError) -> String) -> HTTPResponse {
        answer { () throws(EndpointError) -> String in
            guard let inlineAck else { return try session.batch(body) }
            let (value, commands) = try session.inlineBatch(acknowledging: inlineAck, body)
            guard let commands else { return value }
            return value + ",\"commands\":" + commands
        }
    }

    /// `{"value":…}` (the value may be followed by further members), or the error it threw.
    private func answer(_ body: () throws(EndpointError) -> String) -> HTTPResponse {
        do {
            return .json("{\"value\":" + (try body()) + "}")
        } catch {
            switch error {
            case .unknownFunction, .unknownProperty:
                return .error(.notFound, code: "not_exposed", message: error.description)
            case .readOnlyProperty:
                return .error(.forbidden, code: "read_only", message: error.description)
            case .badArguments:
                return .error(.badRequest, code: "bad_arguments", message: error.description)
            case .failed:
                log.warning("handler failed: \(error.description)")
                return .error(.internalServerError, code: "handler_failed", message: error.description)
            }
        }
    }

    /// The longest address a page with the script may be loaded at (its token carries it).
    static let maxPageTargetBytes = 2048

    static let unknownSession = HTTPResponse.error(
        .gone, code: "unknown_session",
        message: "no open session with this id: the page expired or the server restarted; reload the page")

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingOWS() } ?? ""
        return mediaType.equalsIgnoringASCIICase("application/json")
    }
}
