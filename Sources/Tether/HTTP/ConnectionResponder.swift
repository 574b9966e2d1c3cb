import Synchronization

/// The responder the server gives a handler for one request on one connection. Its calls
/// hand work to the I/O thread; once the connection is gone they do nothing.
final class ConnectionResponder: HTTPResponder {
    let token: UInt64
    let method: String
    let wantsKeepAlive: Bool
    let receivedAt: ContinuousClock.Instant
    let target: String
    // Strong: a handler may answer after the server stopped (the answer is then dropped).
    private let server: HTTPServer
    private let sent = Atomic<Bool>(false)
    private struct Gone {
        var isGone = false
        var handler: (@Sendable () -> Void)?
    }
    private let gone = Mutex(Gone())

    private let socket: ConnectionSocket

    init(server: HTTPServer, connection: Connection, request: HTTPRequest) {
        self.server = server
        token = connection.token
        socket = connection.socket
        method = request.method
        target = request.target
        wantsKeepAlive = request.wantsKeepAlive
        receivedAt = .now
    }

    var isAnswered: Bool { sent.load(ordering: .acquiring) }

    func send(_ response: HTTPResponse) {
        guard !sent.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Answered: the client-gone handler will never run. Dropping it breaks the cycle it
        // may make with what it captured (a held poll's waiter holds this responder).
        gone.withLock { $0.handler = nil }
        guard !server.loopEnded.load(ordering: .acquiring) else { return }
        let server = server
        let keepAlive = wantsKeepAlive && !response.closesConnection && !server.isStopping
        var prepared = PreparedResponse(response, method: method, keepAlive: keepAlive)
        // Written from here, the answer reaches the client without waiting for the I/O
        // thread to wake; the loop then only takes what did not fit and the bookkeeping.
        if prepared.isSmall { prepared.written = socket.sendNow(prepared.head) }
        server.loop.execute { [self, prepared] in server.deliver(prepared, for: self) }
    }

    func runOnWorker(_ body: @escaping @Sendable () -> Void) {
        server.pool.submit(body)
    }

    func whenUnanswered(after delay: Duration, _ body: @escaping @Sendable () -> Void) {
        let due = ContinuousClock.now + delay
        let server = server
        guard !server.loopEnded.load(ordering: .acquiring) else { return }
        server.loop.execute { [self] in server.arm(timer: body, at: due, for: self) }
    }

    func whenClientGone(_ body: @escaping @Sendable () -> Void) {
        let already = gone.withLock { gone -> Bool in
            if gone.isGone { return true }
            if !isAnswered { gone.handler = body }
            return false
        }
        if already { body() }
    }

    /// The connection closed before the response went out (I/O thread).
    func clientWentAway() {
        guard !isAnswered else { return }
        let handler = gone.withLock { gone -> (@Sendable () -> Void)? in
            gone.isGone = true
            defer { gone.handler = nil }
            return gone.handler
        }
        handler?()
    }
}
