#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// A threaded HTTP/1.1 server: one accept thread, one thread per connection, a cap on both.
///
///     let server = try HTTPServer(configuration: config, handler: StaticFiles(root: "www"))
///     server.start()
///     defer { server.stop() }
public final class HTTPServer: Sendable {
    public let configuration: HTTPConfiguration
    public let listener: Listener
    let handler: any HTTPHandler
    let log: Log

    private struct State {
        /// Open connections by descriptor, each with its busy flag (set while a request is handled).
        var open: [Int32: ConnectionActivity] = [:]
        var stopping = false
        var started = false
    }

    private let state = Mutex(State())
    /// `state.stopping`, readable without the lock: every request checks it, and taking the
    /// server-wide lock two or three times per request made all connections contend for it.
    private let stoppingFlag = Atomic<Bool>(false)
    /// A self-pipe that wakes the accept loop's `poll` when the server stops.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// Entered by the accept loop and by every connection thread; stop waits for it to empty.
    private let running = DispatchGroup()
    private let acceptLoopAlive = Atomic<Bool>(false)

    /// Binds `configuration.host:port`.
    public convenience init(configuration: HTTPConfiguration, handler: any HTTPHandler, log: Log = Log()) throws(SocketError) {
        let listener = try Listener(host: configuration.host, port: configuration.port)
        self.init(listener: listener, configuration: configuration, handler: handler, log: log)
    }

    /// Serves on a listener made elsewhere (socket activation).
    public init(listener: Listener, configuration: HTTPConfiguration, handler: any HTTPHandler, log: Log = Log()) {
        self.listener = listener
        self.configuration = configuration
        self.handler = handler
        self.log = log
        var fds: [Int32] = [0, 0]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        // A client that goes away must cost an EPIPE, not the process.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit {
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// The real port, also when 0 was configured.
    public var port: Int { listener.port }

    /// Open connections now.
    public var connectionCount: Int { state.withLock { $0.open.count } }

    /// Whether the accept loop is running (for a watchdog).
    public var isAccepting: Bool { acceptLoopAlive.load(ordering: .relaxed) }

    var isStopping: Bool { stoppingFlag.load(ordering: .sequentiallyConsistent) }

    /// Starts the accept thread; returns at once.
    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        running.enter()
        acceptLoopAlive.store(true, ordering: .relaxed)
        PosixThread.start(stackBytes: configuration.threadStackBytes) { [self] in
            acceptLoop()
            acceptLoopAlive.store(false, ordering: .relaxed)
            running.leave()
        }
    }

    /// Stops accepting, lets requests in flight finish (up to `shutdownGrace`), closes idle
    /// keep-alive connections at once, then cuts whatever is left. `beforeDraining` runs once
    /// no new connection can arrive: the place to end long polls.
    public func stop(beforeDraining: () -> Void = {}) {
        let idle = state.withLock { state -> [Int32] in
            guard !state.stopping else { return [] }
            state.stopping = true
            stoppingFlag.store(true, ordering: .sequentiallyConsistent)
            return state.open.filter { !$0.value.busy.load(ordering: .sequentiallyConsistent) }.map(\.key)
        }
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
        beforeDraining()
        for fd in idle { Socket(fd: fd).shutdownReading() }
        if running.wait(timeout: .now() + configuration.shutdownGrace.dispatchInterval) == .timedOut {
            let left = state.withLock { Array($0.open.keys) }
            log.warning("cutting \(left.count) connection(s) still open after the shutdown grace")
            for fd in left { Socket(fd: fd).shutdownBoth() }
            _ = running.wait(timeout: .now() + .milliseconds(500))
        }
        listener.close()
    }

    private func acceptLoop() {
        var fds = [
            pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while !isStopping {
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                log.error("accept loop: poll failed: \(SocketError.system(call: "poll", errno: errno))")
                return
            }
            if fds[1].revents != 0 || isStopping { return }
            guard fds[0].revents != 0 else { continue }
            let fd = accept(listener.fd, nil, nil)
            if fd < 0 {
                let code = errno
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    log.warning("accept: \(SocketError.system(call: "accept", errno: code)); pausing 50 ms")
                    usleep(50_000)  // the descriptor table is full: back off instead of spinning
                }
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            admit(Socket(fd: fd))
        }
    }

    private func admit(_ socket: Socket) {
        let activity = ConnectionActivity()
        let admitted = state.withLock { state -> Bool in
            guard !state.stopping, state.open.count < configuration.maxConnections else { return false }
            state.open[socket.fd] = activity
            return true
        }
        guard admitted else {
            log.warning("refused a connection: \(configuration.maxConnections) connections are open")
            refuse(socket)
            return
        }
        socket.configureAccepted(writeTimeout: configuration.writeTimeout)
        running.enter()
        let started = PosixThread.start(stackBytes: configuration.threadStackBytes) { [self] in
            Connection(socket: socket, server: self, activity: activity).run()
            closeConnection(socket)
        }
        if !started {
            log.warning("refused a connection: cannot start a thread")
            closeConnection(socket, refusing: true)
        }
    }

    private func refuse(_ socket: Socket) {
        let response = HTTPResponse.error(
            .serviceUnavailable, code: "too_many_connections",
            message: "the server has \(configuration.maxConnections) connections open; try again later",
            closesConnection: true)
        socket.writeWithoutBlocking(response.serialized(includeBody: true, keepAlive: false))
        socket.close()
    }

    private func closeConnection(_ socket: Socket, refusing: Bool = false) {
        // Unregister before closing: the kernel may hand the same number to the next accept.
        state.withLock { _ = $0.open.removeValue(forKey: socket.fd) }
        if refusing { refuse(socket) } else { socket.close() }
        running.leave()
    }

    // The two below pair with `stop` without a lock: each side writes its flag, then reads the
    // other's (sequentially consistent), so either the connection sees `stopping` or `stop`
    // sees it busy (and lets its request finish) — never neither.

    /// Marks a connection as handling a request; false when the server is stopping.
    func connectionBecameBusy(_ activity: ConnectionActivity) -> Bool {
        activity.busy.store(true, ordering: .sequentiallyConsistent)
        return !stoppingFlag.load(ordering: .sequentiallyConsistent)
    }

    /// Marks a connection idle; true when the server is stopping (the connection should close).
    func connectionBecameIdle(_ activity: ConnectionActivity) -> Bool {
        activity.busy.store(false, ordering: .sequentiallyConsistent)
        return stoppingFlag.load(ordering: .sequentiallyConsistent)
    }
}

/// Whether one connection is handling a request; `stop` closes the idle ones at once.
final class ConnectionActivity: Sendable {
    let busy = Atomic<Bool>(false)
}
