import Synchronization
import TetherBridge
import TetherHTTP

/// A Tether server: www pages, each with its own app, on one port.
///
///     let server = Server(configuration: .init(), defaultApp: Counter.self)
///     server.bind("clock.html", to: Stopwatch.self)
///     try server.start()
public final class Server: Sendable {
    /// Every bound of Tether in one place: the HTTP layer's, the Bridge's and the app's.
    public struct Configuration: Sendable {
        public var http = HTTPConfiguration()
        public var bridge = BridgeConfiguration()
        /// The directory pages are served from.
        public var www = "www"
        /// Host names the server answers for besides loopback and the bound address
        /// (`kiosk.local`, `kiosk.local:8080`); others get 403 (DNS rebinding).
        public var allowedHosts: [String] = []
        /// How long `page.eval` waits for the page when no timeout is given.
        public var evalTimeout: Duration = .seconds(10)
        public var log = Log()

        public init() {}
    }

    public static let version = "0.1.0"

    public let configuration: Configuration
    private let bindings: Mutex<[String: AppBinding]>
    private let defaultBinding: AppBinding
    private let running = Mutex<Running?>(nil)

    private struct Running: Sendable {
        let http: HTTPServer
        let bridge: Bridge
    }

    public init<Default: App>(configuration: Configuration = .init(), defaultApp: Default.Type) {
        self.configuration = configuration
        defaultBinding = AppBinding(Default.self)
        bindings = Mutex([:])
    }

    /// A server whose pages have no app until bound with `bind`.
    public convenience init(configuration: Configuration = .init()) {
        self.init(configuration: configuration, defaultApp: NoApp.self)
    }

    /// Serves `page` (a path under www: `clock.html`, `kiosk/index.html`) with a new `app` per load.
    public func bind<A: App>(_ page: String, to app: A.Type) {
        let key = page.split(separator: "/").joined(separator: "/")
        bindings.withLock { $0[key] = AppBinding(A.self) }
    }

    /// Binds the listening socket and starts serving; returns at once.
    public func start() throws(ServerError) {
        let listener: Listener
        do {
            listener = try Listener(host: configuration.http.host, port: configuration.http.port)
        } catch {
            throw .listen(error)
        }
        try start(on: listener)
    }

    /// Serves on a socket made elsewhere (systemd socket activation).
    public func start(on listener: Listener) throws(ServerError) {
        let files: StaticFiles
        do { files = try StaticFiles(root: configuration.www) } catch { throw .www(error) }
        let configuration = self.configuration
        let hosts = HostAllowList(boundHost: configuration.http.host, port: listener.port, extra: configuration.allowedHosts)
        let bridge = Bridge(files: files, configuration: configuration.bridge, version: Self.version, hosts: hosts,
                            log: configuration.log) {
            [self] session in binding(for: session.pagePath).makeEndpoint(session, configuration)
        }
        let http: HTTPServer
        do {
            http = try HTTPServer(listener: listener, configuration: configuration.http, handler: bridge, log: configuration.log)
        } catch {
            throw .listen(error)
        }
        running.withLock { $0 = Running(http: http, bridge: bridge) }
        bridge.registry.startSweeper()
        http.start()
    }

    /// Stops accepting, ends every page's session (their `main`s stop), lets requests in
    /// flight finish, and closes the socket. Returns within a few seconds.
    public func stop() {
        guard let current = running.withLock({ state -> Running? in defer { state = nil }; return state }) else { return }
        current.http.stop(beforeDraining: { current.bridge.shutdown() })
    }

    /// The port being served (the real one when 0 was configured); 0 when not running.
    public var port: Int { running.withLock { $0?.http.port ?? 0 } }

    /// The Bridge, for health figures and for mounting elsewhere; nil when not running.
    public var bridge: Bridge? { running.withLock { $0?.bridge } }

    /// The HTTP server, nil when not running.
    public var httpServer: HTTPServer? { running.withLock { $0?.http } }

    /// Every open page.
    public var pages: [Page] {
        guard let bridge else { return [] }
        return bridge.registry.all.compactMap { ($0.endpoint as? any PageOwner)?.page }
    }

    /// The open page with this session id.
    public func page(id: String) -> Page? {
        guard let session = bridge?.registry.session(id) else { return nil }
        return (session.endpoint as? any PageOwner)?.page
    }

    /// Runs `body` for every open page: `server.broadcast { $0.js.dom.banner.innerHTML = "Closing at 6" }`.
    public func broadcast(_ body: (Page) -> Void) {
        for page in pages { body(page) }
    }

    /// Every open page reloads (SIGHUP).
    public func reloadAllPages() { bridge?.reloadAllPages() }

    private func binding(for pagePath: String) -> AppBinding {
        bindings.withLock { $0[pagePath] } ?? defaultBinding
    }
}

/// Why a server could not start.
public enum ServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case www(StaticFilesError)
    case listen(SocketError)

    public var description: String {
        switch self {
        case .www(let error): error.description
        case .listen(let error): error.description
        }
    }
}

protocol PageOwner {
    var page: Page { get }
}

extension AppEndpoint: PageOwner {}

/// How to make the endpoint of a page bound to one app type.
struct AppBinding: Sendable {
    let makeEndpoint: @Sendable (Session, Server.Configuration) -> any SessionEndpoint

    init<A: App>(_ type: A.Type) {
        let exposed = A.exposed
        makeEndpoint = { session, configuration in
            AppEndpoint<A>(session: session, exposed: exposed, evalTimeout: configuration.evalTimeout, log: configuration.log)
        }
    }
}
