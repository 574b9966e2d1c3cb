import Synchronization
import TetherHTTP

/// Turns a request into a response: the `_process_srv0` protocol, `_health`, and pages from
/// www with the page script injected (each HTML page served opens a session). A plain
/// `HTTPHandler`, so it can sit behind any server that makes `HTTPRequest` values.
public final class Bridge: HTTPHandler {
    /// Makes the endpoint (the app) for a new page's session.
    public typealias EndpointFactory = @Sendable (Session) -> any SessionEndpoint

    public let registry: SessionRegistry
    public let files: StaticFiles
    public let configuration: BridgeConfiguration
    private let makeEndpoint: EndpointFactory
    private let log: Log
    private let version: String
    private let stopping = Atomic<Bool>(false)
    /// The hosts this server answers for; nil leaves `Host` unchecked (when mounted behind
    /// a server that checks it) and `Origin` compared with `Host`.
    private let hosts: HostAllowList?

    public init(files: StaticFiles, configuration: BridgeConfiguration = .init(), version: String = "0",
                hosts: HostAllowList? = nil, log: Log = Log(), makeEndpoint: @escaping EndpointFactory) {
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
    /// waits in one. Plain files are answered here too; whatever may run app code (calls,
    /// pages, which open a session) and `_health` go to a worker.
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
        // streams from the I/O thread. A page opens a session and starts app code: a worker.
        switch files.lookup(request) {
        case .response(let response):
            responder.send(response)
        case .file(let file):
            guard request.method == "GET", MediaTypes.isHTML(file.contentType) else {
                return responder.send(files.response(for: file, request: request))
            }
            responder.runOnWorker { responder.send(self.servePage(file)) }
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
        for session in registry.all { session.queue("location.reload()") }
    }

    // MARK: Pages

    private func servePage(_ file: StaticFiles.File) -> HTTPResponse {
        if stopping.load(ordering: .acquiring) {
            return .error(.serviceUnavailable, code: "shutting_down", message: "the server is stopping")
        }
        let session: Session
        do {
            session = try registry.create(pagePath: file.relativePath)
        } catch {
            log.warning("refused a page: \(error)")
            return .error(.serviceUnavailable, code: "too_many_sessions", message: error.description)
        }
        let endpoint = makeEndpoint(session)
        session.attach(endpoint)
        let body = ScriptInjection.inject(into: file.bytes, session: session.id, names: endpoint.exposedNames)
        endpoint.sessionOpened()
        return HTTPResponse(
            status: .ok,
            headers: [
                "Content-Type": file.contentType,
                // Each load is a new session, so the page must never come from a cache.
                "Cache-Control": "no-store",
                "X-Tether-Session": session.id,
            ],
            body: body
        )
    }

    // MARK: Health

    private func health(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.error(.methodNotAllowed, code: "method_not_allowed", message: "use GET")
            response.headers.add("Allow", "GET, HEAD")
            return response
        }
        let isStopping = stopping.load(ordering: .acquiring)
        let since = registry.secondsSinceLastPoll.map { String(Self.rounded($0)) } ?? "null"
        var response = HTTPResponse.json(
            "{\"status\":\(isStopping ? "\"stopping\"" : "\"ok\""),\"version\":\(JSONText.quote(version)),"
                + "\"uptime\":\(Self.rounded(registry.uptimeSeconds)),\"sessions\":\(registry.count),"
                + "\"sinceLastPoll\":\(since)}",
            status: isStopping ? .serviceUnavailable : .ok)
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
        guard let session = registry.session(envelope.session), let endpoint = session.endpoint else {
            return responder.send(Self.unknownSession)
        }
        if case .next(let ack, let results) = envelope.message {
            return poll(session, acknowledging: ack, results: results.map { ($0.id, $0.outcome) }, responder: responder)
        }
        responder.runOnWorker { responder.send(self.run(envelope, session: session, endpoint: endpoint)) }
    }

    /// A call, get, set or unload: app code, on a worker.
    private func run(_ envelope: BridgeMessage.Envelope, session: Session, endpoint: any SessionEndpoint) -> HTTPResponse {
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
            return HTTPResponse(status: .noContent, headers: ["Content-Type": "application/json"])
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

    static let unknownSession = HTTPResponse.error(
        .gone, code: "unknown_session",
        message: "no open session with this id: the page expired or the server restarted; reload the page")

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingOWS() } ?? ""
        return mediaType.equalsIgnoringASCIICase("application/json")
    }
}
