#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TetherSupport

/// An event-driven HTTP/1.1 server: one I/O thread runs epoll (accept, read, parse, write) and
/// a small pool of worker threads runs handlers. Idle connections and held responses wait in
/// epoll and hold no thread.
///
///     let server = try HTTPServer(configuration: config, handler: StaticFiles(root: "www"))
///     server.start()
///     defer { server.stop() }
public final class HTTPServer: Sendable {
    public let configuration: HTTPConfiguration
    public let listener: Listener
    let handler: any HTTPHandler
    let log: Log
    let loop: EventLoop
    let pool: WorkerPool
    /// Everything only the I/O thread touches.
    let io: LoopState

    private struct Lifecycle {
        var started = false
        var stopping = false
    }
    private let lifecycle = Mutex(Lifecycle())
    let stoppingFlag = Atomic<Bool>(false)
    let openCount = Atomic<Int>(0)
    let accepting = Atomic<Bool>(false)
    /// Set when the I/O thread has ended: answers that come later are dropped at once.
    let loopEnded = Atomic<Bool>(false)
    /// Entered for each open connection; stop waits for it to empty.
    let running = DispatchGroup()
    /// Signalled when the I/O thread ends.
    private let loopExited = DispatchSemaphore(value: 0)

    /// Binds `configuration.host:port`.
    public convenience init(configuration: HTTPConfiguration, handler: any HTTPHandler, log: Log = Log()) throws(SocketError) {
        let listener = try Listener(host: configuration.host, port: configuration.port)
        try self.init(listener: listener, configuration: configuration, handler: handler, log: log)
    }

    /// Serves on a listener made elsewhere (socket activation).
    public init(listener: Listener, configuration: HTTPConfiguration, handler: any HTTPHandler, log: Log = Log()) throws(SocketError) {
        self.listener = listener
        self.configuration = configuration
        self.handler = handler
        self.log = log
        loop = try EventLoop()
        pool = WorkerPool(minimum: configuration.workerThreads, maximum: configuration.maxWorkerThreads,
                          stackBytes: configuration.threadStackBytes)
        io = LoopState(configuration: configuration)
        // A client that goes away must cost an EPIPE, not the process.
        signal(SIGPIPE, SIG_IGN)
    }

    /// The real port, also when 0 was configured.
    public var port: Int { listener.port }

    /// Open connections now.
    public var connectionCount: Int { openCount.load(ordering: .relaxed) }

    /// Whether the server is taking new connections (for a watchdog).
    public var isAccepting: Bool { accepting.load(ordering: .relaxed) }

    /// Worker threads running now (they start on demand up to `maxWorkerThreads`).
    public var workerThreadCount: Int { pool.threadCount }

    var isStopping: Bool { stoppingFlag.load(ordering: .acquiring) }

    /// Starts the I/O thread and the workers; returns at once.
    public func start() {
        let first = lifecycle.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started && !state.stopping
        }
        guard first else { return }
        io.capacity = DescriptorLimit.raise(toward: configuration.maxConnections, log: log)
        _ = fcntl(listener.fd, F_SETFL, fcntl(listener.fd, F_GETFL) | O_NONBLOCK)
        guard loop.add(listener.fd, events: EventLoop.readable, token: LoopState.listenerToken) else {
            log.error("cannot watch the listening socket: \(SocketError.system(call: "epoll_ctl", errno: errno))")
            loopExited.signal()
            return
        }
        accepting.store(true, ordering: .relaxed)
        pool.start()
        let started = PosixThread.start(stackBytes: configuration.threadStackBytes) { [self] in
            runLoop()
            accepting.store(false, ordering: .relaxed)
            loopExited.signal()
        }
        if !started {
            accepting.store(false, ordering: .relaxed)
            log.error("cannot start the HTTP I/O thread")
            loopExited.signal()
        }
    }

    /// Stops accepting, lets requests in flight finish (up to `shutdownGrace`), closes idle
    /// keep-alive connections at once, then cuts whatever is left. `beforeDraining` runs once
    /// no new connection can arrive: the place to end long polls.
    public func stop(beforeDraining: () -> Void = {}) {
        let started = lifecycle.withLock { state -> Bool? in
            guard !state.stopping else { return nil }
            state.stopping = true
            return state.started
        }
        guard let started else { return }
        stoppingFlag.store(true, ordering: .releasing)
        guard started else {
            listener.close()
            return
        }
        loop.execute { [self] in stopAccepting() }
        beforeDraining()
        if running.wait(timeout: .now() + configuration.shutdownGrace.dispatchInterval) == .timedOut {
            log.warning("cutting \(connectionCount) connection(s) still open after the shutdown grace")
            loop.execute { [self] in closeAll() }
            _ = running.wait(timeout: .now() + .milliseconds(500))
        }
        loop.execute { [self] in io.quit = true }
        _ = loopExited.wait(timeout: .now() + .seconds(2))
        pool.stop()
        listener.close()
    }
}

/// Soft `RLIMIT_NOFILE` raised (up to the hard limit) so that the connection cap can be
/// reached; systemd leaves the soft limit at 1024 and asks servers to raise it themselves.
enum DescriptorLimit {
    /// Descriptors kept free for files, the listener, logs and the spare one for EMFILE.
    static let reserve = 64

    /// The connection cap that the limit allows.
    static func raise(toward connections: Int, log: Log) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return connections }
        let wanted = rlim_t(connections + reserve)
        if limit.rlim_cur < wanted {
            let previous = limit.rlim_cur
            limit.rlim_cur = min(limit.rlim_max, wanted)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 { limit.rlim_cur = previous }
        }
        let allowed = Int(limit.rlim_cur) - reserve
        if allowed < connections {
            log.info("the descriptor limit (\(limit.rlim_cur)) allows \(max(allowed, 1)) connections, not \(connections)")
        }
        return max(1, min(connections, allowed))
    }
}
