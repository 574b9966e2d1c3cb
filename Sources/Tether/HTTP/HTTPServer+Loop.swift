#if canImport(Glibc)
import Glibc
#endif
import CEpoll

/// What the I/O thread owns: the connections, the idle list, timers, counters. Only the I/O
/// thread reads or writes it (tasks from other threads reach it through `EventLoop.execute`).
final class LoopState: @unchecked Sendable {
    static let listenerToken = UInt64.max
    /// Deadlines are checked at most this often: one pass over the connections serves many.
    static let timerSlack: Duration = .milliseconds(10)

    var connections: [Int32: Connection] = [:]
    var idle = IdleList()
    var nextSerial: UInt32 = 1
    var capacity: Int
    /// No deadline is earlier than this (it may be earlier than the real earliest).
    var earliestDeadline: ContinuousClock.Instant?
    var lastTimerPass = ContinuousClock.now
    var limits = LimitLog()
    /// Out of descriptors with no spare left: accepting pauses until then.
    var acceptPausedUntil: ContinuousClock.Instant?
    var listening = true
    /// A descriptor held back so that, out of descriptors, one can still be accepted and told 503.
    var spare: Int32 = -1
    var quit = false

    init(configuration: HTTPConfiguration) {
        capacity = configuration.maxConnections
        spare = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    deinit { if spare >= 0 { close(spare) } }

    func noteDeadline(_ deadline: ContinuousClock.Instant) {
        if let earliest = earliestDeadline, earliest <= deadline { return }
        earliestDeadline = deadline
    }
}

extension HTTPServer {
    func runLoop() {
        var buffer = [epoll_event](repeating: epoll_event(), count: 64)
        var ready: [EventLoop.Event] = []
        while !io.quit {
            loop.wait(timeoutMilliseconds: waitMilliseconds(), into: &buffer, ready: &ready)
            for event in ready {
                if event.token == LoopState.listenerToken {
                    acceptConnections()
                } else {
                    handle(event)
                }
            }
            loop.runTasks()
            runTimers()
        }
        closeAll()
        loopEnded.store(true, ordering: .releasing)
        loop.runTasks()  // late answers find no connection; running them frees what they hold
    }

    /// Until the next deadline, the next summary line or the end of an accept pause.
    private func waitMilliseconds() -> Int32 {
        var next = io.earliestDeadline.map { max($0, io.lastTimerPass + LoopState.timerSlack) }
        for other in [io.limits.nextDue, io.acceptPausedUntil].compactMap({ $0 }) {
            next = min(next ?? other, other)
        }
        guard let next else { return -1 }
        return (next - .now).pollMilliseconds
    }

    // MARK: Accepting

    private func acceptConnections() {
        // A bounded batch per turn, so a flood of connects does not starve the open ones.
        for _ in 0..<64 {
            guard io.listening else { return }
            let fd = accept(listener.fd, nil, nil)
            if fd < 0 {
                let code = errno
                if code == EINTR || code == ECONNABORTED { continue }
                if code == EMFILE || code == ENFILE { refuseForLackOfDescriptors(code) }
                return
            }
            admit(fd)
        }
    }

    private func admit(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let now = ContinuousClock.now
        if io.connections.count >= io.capacity {
            if let oldest = io.idle.oldest {
                // As nginx reuses its keep-alive connections: the idle one gives way.
                close(oldest)
                noteLimit(now: now, "connection cap (\(io.capacity)) reached: closing the connection idle longest to admit a new one") {
                    $0.reclaimed += 1
                }
            } else {
                refuse(fd, code: "too_many_connections",
                       message: "the server has \(io.capacity) connections open; try again later")
                noteLimit(now: now, "connection cap (\(io.capacity)) reached with no idle connection: refusing with 503") {
                    $0.refusedAtCap += 1
                }
                return
            }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        let serial = io.nextSerial
        io.nextSerial = serial == UInt32.max - 1 ? 1 : serial + 1
        let connection = Connection(fd: fd, serial: serial, configuration: configuration, now: now)
        connection.interest = EventLoop.readable | EventLoop.hangUp
        guard loop.add(fd, events: connection.interest, token: connection.token) else {
            Glibc.close(fd)
            return
        }
        io.connections[fd] = connection
        openCount.store(io.connections.count, ordering: .relaxed)
        running.enter()
        // The whole first head is due within the header timeout from accept.
        setDeadline(connection, now + configuration.headerTimeout, .requestTimeout(method: "GET"))
    }

    /// Out of descriptors: the spare one is given up to accept the client and tell it 503,
    /// instead of leaving it in the backlog (where epoll would report it again at once).
    private func refuseForLackOfDescriptors(_ code: Int32) {
        let now = ContinuousClock.now
        noteLimit(now: now, "accept: \(SocketError.system(call: "accept", errno: code)): refusing new connections with 503 "
                  + "until descriptors are free (\(io.connections.count) connections open)") {
            $0.refusedNoDescriptors += 1
        }
        if io.spare >= 0 {
            Glibc.close(io.spare)
            io.spare = -1
            let fd = accept(listener.fd, nil, nil)
            if fd >= 0 {
                refuse(fd, code: "out_of_descriptors", message: "the server is out of file descriptors; try again later")
            }
            io.spare = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        if io.spare < 0 {
            // Nothing left to answer with: stop watching the listener for a moment (no busy loop).
            loop.remove(listener.fd)
            io.listening = false
            io.acceptPausedUntil = now + .milliseconds(100)
        }
    }

    private func refuse(_ fd: Int32, code: String, message: String) {
        let response = configuration.errorFormat.response(
            for: HTTPError(.serviceUnavailable, code: code, message: message, closesConnection: true))
        let bytes = response.serialized(includeBody: true, keepAlive: false)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        Glibc.close(fd)
    }

    private func noteLimit(now: ContinuousClock.Instant, _ line: @autoclosure () -> String, count: (inout LimitLog) -> Void) {
        if io.limits.startsInterval(now: now, interval: configuration.limitLogInterval) {
            log.warning(line() + " (more are summed up every \(Int(configuration.limitLogInterval.secondsValue.rounded())) s)")
        } else {
            count(&io.limits)
        }
    }

    func stopAccepting() {
        if io.listening { loop.remove(listener.fd) }
        io.listening = false
        io.acceptPausedUntil = nil
        accepting.store(false, ordering: .relaxed)
        // Connections without a request under way are closed at once.
        for connection in Array(io.connections.values) {
            switch connection.phase {
            case .idle, .head: close(connection)
            default: break
            }
        }
    }

    func closeAll() {
        for connection in Array(io.connections.values) { close(connection) }
    }

    // MARK: Timers

    private func runTimers() {
        let now = ContinuousClock.now
        if let line = io.limits.summary(now: now, interval: configuration.limitLogInterval, cap: io.capacity) {
            log.warning(line)
        }
        if let until = io.acceptPausedUntil, now >= until {
            io.acceptPausedUntil = nil
            if !isStopping && loop.add(listener.fd, events: EventLoop.readable, token: LoopState.listenerToken) {
                io.listening = true
            }
        }
        guard let earliest = io.earliestDeadline, now >= earliest, now >= io.lastTimerPass + LoopState.timerSlack else { return }
        io.lastTimerPass = now
        var due: [Connection] = []
        var next: ContinuousClock.Instant?
        for connection in io.connections.values {
            guard let deadline = connection.deadline else { continue }
            if deadline <= now {
                due.append(connection)
            } else if next.map({ deadline < $0 }) ?? true {
                next = deadline
            }
        }
        io.earliestDeadline = next
        for connection in due where io.connections[connection.fd] === connection {
            expire(connection)
        }
    }

    func setDeadline(_ connection: Connection, _ deadline: ContinuousClock.Instant?, _ expiry: Connection.Expiry = .close) {
        connection.deadline = deadline
        connection.expiry = expiry
        if let deadline { io.noteDeadline(deadline) }
    }

    private func expire(_ connection: Connection) {
        let expiry = connection.expiry
        setDeadline(connection, nil)
        switch expiry {
        case .requestTimeout(let method):
            respondAndClose(connection, configuration.errorFormat.response(for: RequestParseError.timedOut), method: method)
        case .close:
            close(connection)
        case .timer(let body):
            body()
        }
    }

    /// Arms a handler's `whenUnanswered` timer on the connection still waiting for it.
    func arm(timer body: @escaping @Sendable () -> Void, at due: ContinuousClock.Instant, for responder: ConnectionResponder) {
        guard let connection = io.connections[Connection.descriptor(of: responder.token)],
              connection.responder === responder, !responder.isAnswered else { return }
        setDeadline(connection, due, .timer(body))
    }
}
