import Dispatch
import Synchronization
import TetherBridge
import TetherHTTP

/// A Tether server: www pages, each with its own app, on one port.
///
///     let server = Server(configuration: .init(), defaultApp: Counter.self)
///     server.bind("clock.html", to: Stopwatch.self)
///     try server.run()      // or start() to serve from other threads and return at once
public final class Server: Sendable {
    /// Every bound of Tether in one place: the HTTP layer's, the Bridge's and the app's.
    public struct Configuration: Sendable {
        public var http = HTTPConfiguration()
        public var bridge = BridgeConfiguration()
        /// The directory pages are served from (when `embedded` is nil).
        public var www = "www"
        /// Pages compiled into the binary (`EmbeddedFiles.www`, written by the TetherWWW
        /// plugin); served instead of the `www` directory when set.
        public var embedded: EmbeddedFiles?
        /// Host names the server answers for besides loopback and the bound address
        /// (`kiosk.local`, `kiosk.local:8080`); others get 403 (DNS rebinding).
        public var allowedHosts: [String] = []
        /// How long `page.eval` waits for the page when no timeout is given.
        public var evalTimeout: Duration = .seconds(10)
        public var log = Log()

        public init() {}
    }

    public static let version = "0.1.0"

    /// The configuration it starts with.
    public var configuration: Configuration { settings.withLock { $0 } }
    private let settings: Mutex<Configuration>
    private let bindings: Mutex<[String: AppBinding]>
    /// Pages `bind` was given more than once, reported by `start`.
    private let boundTwice = Mutex<[String]>([])
    private let defaultBinding: AppBinding
    private let running = Mutex<Running?>(nil)
    /// Taken by `start` before anything is built, so a second start throws and leaks nothing.
    private let claimed = Mutex(false)
    /// Signalled by `stop`, for `run`.
    private let stopped = DispatchSemaphore(value: 0)

    private struct Running: Sendable {
        let http: HTTPServer
        let bridge: Bridge
    }

    public init<Default: App>(configuration: Configuration = .init(), defaultApp: Default.Type) {
        settings = Mutex(configuration)
        defaultBinding = AppBinding(Default.self)
        bindings = Mutex([:])
    }

    /// A server whose pages have no app until bound with `bind`.
    public convenience init(configuration: Configuration = .init()) {
        self.init(configuration: configuration, defaultApp: NoApp.self)
    }

    /// Serves `page` (a path under www: `clock.html`, `kiosk/index.html`) with a new `app` per load.
    /// `start` refuses a page bound twice, or one that www does not hold.
    public func bind<A: App>(_ page: String, to app: A.Type) {
        bind(page, to: A.self, ifPresent: false)
    }

    /// `ifPresent`: a page www lacks is no error (the demos' pages, which `tetherd --www DIR`
    /// may not have).
    package func bind<A: App>(_ page: String, to app: A.Type, ifPresent: Bool) {
        let key = page.split(separator: "/").joined(separator: "/")
        let added = bindings.withLock { $0.updateValue(AppBinding(A.self, ifPresent: ifPresent), forKey: key) == nil }
        if !added { boundTwice.withLock { $0.append(key) } }
    }

    /// Changes the configuration before the server starts (the daemon applies its flags so).
    package func configure(_ change: (inout Configuration) -> Void) throws(ServerError) {
        guard !claimed.withLock({ $0 }) else { throw .alreadyRunning }
        settings.withLock { change(&$0) }
    }

    /// Binds the listening socket and starts serving; returns at once. Throws
    /// `alreadyRunning` when it already serves (until `stop`).
    public func start() throws(ServerError) {
        try claim()
        let configuration = self.configuration
        let files: StaticFiles
        let listener: Listener
        do throws(ServerError) {
            files = try checkedFiles(configuration)
            do {
                listener = try Listener(host: configuration.http.host, port: configuration.http.port)
            } catch {
                throw ServerError.listen(error)
            }
        } catch {
            claimed.withLock { $0 = false }
            throw error
        }
        try serve(files, on: listener, configuration)
    }

    /// Serves on a socket made elsewhere (systemd socket activation).
    public func start(on listener: Listener) throws(ServerError) {
        try claim()
        let configuration = self.configuration
        let files: StaticFiles
        do { files = try checkedFiles(configuration) } catch {
            claimed.withLock { $0 = false }
            throw error
        }
        try serve(files, on: listener, configuration)
    }

    /// Starts and blocks until `stop` is called (from a handler, or another thread). For a
    /// program that wants no flags; `TetherSystem`'s `Daemon.run` adds flags, signals and systemd.
    public func run() throws(ServerError) {
        try start()
        stopped.wait()
    }

    private func claim() throws(ServerError) {
        let wasClaimed = claimed.withLock { state -> Bool in defer { state = true }; return state }
        if wasClaimed { throw .alreadyRunning }
        // A stop of an earlier run must not end the next `run` at once.
        while stopped.wait(timeout: .now()) == .success {}
    }

    /// The pages to serve, after checking every binding names one of them, once.
    private func checkedFiles(_ configuration: Configuration) throws(ServerError) -> StaticFiles {
        let files: StaticFiles
        do {
            if let embedded = configuration.embedded {
                files = try StaticFiles(embedded: embedded, log: configuration.log)
            } else {
                files = try StaticFiles(root: configuration.www, log: configuration.log)
            }
        } catch {
            throw .www(error)
        }
        if let page = boundTwice.withLock({ $0.first }) { throw .bindings("page '\(page)' is bound to an app twice") }
        let pages = bindings.withLock { $0.filter { !$0.value.ifPresent }.keys.sorted() }
        if let missing = pages.first(where: { !files.contains(page: $0) }) {
            let source = configuration.embedded != nil ? "the embedded www" : "www directory \(configuration.www)"
            throw .bindings("page '\(missing)' is bound to an app but \(source) has no such file")
        }
        return files
    }

    private func serve(_ files: StaticFiles, on listener: Listener, _ configuration: Configuration) throws(ServerError) {
        let hosts = HostAllowList(boundHost: configuration.http.host, port: listener.port, extra: configuration.allowedHosts)
        let bridge = Bridge(files: files, configuration: configuration.bridge, version: Self.version, hosts: hosts,
                            log: configuration.log,
                            exposedNames: { [self] pagePath in binding(for: pagePath).names }) {
            [self] session in binding(for: session.pagePath).makeEndpoint(session, configuration)
        }
        let http: HTTPServer
        do {
            // The server's own refusals (413, 431, 503, …) answer in the Bridge's error shape.
            var httpConfiguration = configuration.http
            httpConfiguration.errorFormat = .json
            http = try HTTPServer(listener: listener, configuration: httpConfiguration, handler: bridge, log: configuration.log)
        } catch {
            claimed.withLock { $0 = false }
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
        claimed.withLock { $0 = false }
        stopped.signal()
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
    /// `start` while already serving.
    case alreadyRunning
    /// A page bound twice, or bound but not in www.
    case bindings(String)

    public var description: String {
        switch self {
        case .www(let error): error.description
        case .listen(let error): error.description
        case .alreadyRunning: "the server is already running; stop it before starting it again"
        case .bindings(let problem): problem
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
    /// What the page script offers, known without making an app.
    let names: ExposedNames
    let ifPresent: Bool

    init<A: App>(_ type: A.Type, ifPresent: Bool = false) {
        self.ifPresent = ifPresent
        let exposed = A.exposed
        names = exposed.names
        makeEndpoint = { session, configuration in
            AppEndpoint<A>(session: session, exposed: exposed, evalTimeout: configuration.evalTimeout, log: configuration.log)
        }
    }
}
