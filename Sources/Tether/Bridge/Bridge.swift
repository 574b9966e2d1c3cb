import Synchronization
import TetherHTTP

/// Turns a request into a response: the `_process_srv0` protocol, `_health`, and pages from
/// www with the page script injected. A plain `HTTPHandler`, so it can sit behind any server
/// that makes `HTTPRequest` values. It is a chain of small handlers, outermost first:
///
///     HostCheck                      403 foreign_host (when an allow list is given)
///     EndpointRouter                 by the path's last segment, under any base
///       _process_srv0 → MethodCheck(POST) → OriginCheck → JSONContentCheck → ProtocolHandler
///       _health       → MethodCheck(GET, HEAD) → HealthHandler
///       _tether.js    → MethodCheck(GET, HEAD) → the page script (PageScriptFile)
///       anything else → PageHandler  (files; HTML pages get the script's tag)
///
/// A handler throws an `HTTPResponseError` to refuse; its status and code answer in Tether's
/// error shape (`HTTPErrorFormat.json`).
public final class Bridge: HTTPHandler {
    /// Makes the endpoint (the app) for a new page's session.
    public typealias EndpointFactory = @Sendable (Session) -> any SessionEndpoint

    public let registry: SessionRegistry
    public let files: StaticFiles
    public let configuration: BridgeConfiguration
    private let lifecycle = BridgeLifecycle()
    private let chain: any BridgeHandler

    /// `hosts` are the hosts this server answers for; nil leaves `Host` unchecked (when mounted
    /// behind a server that checks it) and `Origin` compared with `Host`. `exposedNames` gives
    /// the names a page's script offers (by the www path it was served from) without making an
    /// endpoint: a page load makes no app.
    public init(files: StaticFiles, configuration: BridgeConfiguration = .init(), version: String = "0",
                hosts: HostAllowList? = nil, log: Log = Log(),
                exposedNames: @escaping @Sendable (_ pagePath: String) -> ExposedNames,
                makeEndpoint: @escaping EndpointFactory) {
        self.files = files
        self.configuration = configuration
        let registry = SessionRegistry(configuration: configuration, log: log)
        self.registry = registry
        let lifecycle = lifecycle
        let firstPolls = FirstPolls()
        let opener = SessionOpener(registry: registry, lifecycle: lifecycle, firstPolls: firstPolls,
                                   configuration: configuration, makeEndpoint: makeEndpoint)
        let protocolHandler = ProtocolHandler(opener: opener, calls: CallRunner(opener: opener, log: log), registry: registry,
                                              firstPolls: firstPolls, pollHold: configuration.pollHold)
        let router = EndpointRouter(
            endpoints: [
                "_process_srv0": protocolHandler.checked(
                    by: MethodCheck(allowed: ["POST"], hint: "use POST with a JSON body"), OriginCheck(hosts: hosts),
                    JSONContentCheck()),
                "_health": HealthHandler(registry: registry, files: files, lifecycle: lifecycle, version: version)
                    .checked(by: MethodCheck(allowed: ["GET", "HEAD"], hint: "use GET")),
                PageScriptFile.name: PageScriptFile.Handler().checked(by: MethodCheck(allowed: ["GET", "HEAD"], hint: "use GET")),
            ],
            fallback: PageHandler(files: files, registry: registry, lifecycle: lifecycle, configuration: configuration,
                                  exposedNames: exposedNames))
        chain = hosts.map { router.checked(by: HostCheck(hosts: $0)) } ?? router
    }

    /// Answers on this thread, holding it through a long poll (for use behind another server).
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let responder = BlockingResponder()
        respond(to: request, responder: responder)
        return responder.wait()
    }

    /// Runs the chain on the server's I/O thread; see `ProtocolHandler` and `PageHandler` for
    /// what is answered there and what goes to a worker.
    public func respond(to request: HTTPRequest, responder: any HTTPResponder) {
        do {
            try chain.handle(request, responder: responder)
        } catch {
            responder.send(error: error)
        }
    }

    /// Ends every session (polls return at once with 503, which the page waits out) and
    /// refuses new pages. Called when the server stops.
    public func shutdown() {
        lifecycle.stop()
        registry.stopSweeper()
        registry.closeAll(.serverStopping)
    }

    /// Every open page reloads (SIGHUP): it gets the current files and a fresh session.
    public func reloadAllPages() {
        for session in registry.all { session.queue(PageOperation.reload) }
    }
}

/// Set once when the server stops: pages and new sessions are refused from then on.
final class BridgeLifecycle: Sendable {
    private let stopping = Atomic<Bool>(false)

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func stop() { stopping.store(true, ordering: .releasing) }
}
