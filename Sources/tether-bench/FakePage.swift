#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TetherHTTP
import TetherSupport

/// One fake browser page over real loopback sockets, as the page script behaves: a GET loads
/// the page (its session opens at its first poll), a thread keeps its long-poll alive on its own connection, hands each
/// command to `onCommand` as it arrives and answers reads in its next poll; calls go over a
/// second keep-alive connection (`calls`), made by one thread at a time.
final class FakePage: @unchecked Sendable {
    // `@unchecked`: `calls` belongs to the one thread that makes calls, the poll connection
    // to the poll thread; other threads only read constants, atomics and the mutex.
    let session: String
    let port: Int
    /// `POST` path of the protocol for this page (`/_process_srv0`).
    let endpoint: String
    /// Keep-alive connection for calls; the page was loaded over it, as a browser reuses it.
    let calls: ClientConnection
    private let pollConnection: ClientConnection
    private let stopping = Atomic<Bool>(false)
    private let pollEnded = DispatchSemaphore(value: 0)
    /// Polls answered so far.
    let polls = Atomic<Int>(0)
    /// Why the poll loop ended early, if it did.
    let failure = Mutex<String?>(nil)
    /// Sees every command when it arrives (with the time the response was read) and answers reads.
    private let onCommand: @Sendable (PollCommand, Int64) -> ReadAnswer?

    /// Gives up a poll this long after the server's hold should have ended it.
    static let pollGrace = 15.0
    /// No page polls for longer than this, whatever happens.
    static let maxLifetimeSeconds = 1800.0

    /// Loads `path` and starts its poll thread. `pollHold` is the server's hold, in seconds.
    init(port: Int, path: String = "/index.html", pollHold: Double = 20,
         onCommand: @escaping @Sendable (PollCommand, Int64) -> ReadAnswer? = { command, _ in
             command.readID == nil ? nil : PollReply.demoAnswer(command.js)
         }) throws(ClientConnection.Failure) {
        self.port = port
        self.onCommand = onCommand
        let loader = try ClientConnection(port: port)
        guard loader.exchange(RequestBytes.get(port: port, path: path), deadline: Clock.nanos() + Clock.nanos(seconds: 10)),
              loader.status == 200, let id = loader.header("X-Tether-Session"), !id.isEmpty else {
            throw ClientConnection.Failure(description: "loading \(path) did not open a session (status \(loader.status))")
        }
        session = id
        endpoint = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)]) + "_process_srv0"
        calls = loader
        pollConnection = try ClientConnection(port: port, receiveTimeout: 1)
        let holdTimeout = Clock.nanos(seconds: pollHold + Self.pollGrace)
        let started = PosixThread.start(stackBytes: 256 * 1024) { [self] in
            pollLoop(holdTimeout: holdTimeout)
            pollEnded.signal()
        }
        guard started else { throw ClientConnection.Failure(description: "cannot start a poll thread") }
    }

    /// A request of this page on its endpoint: `post(PollReply.callBody(…))`.
    func request(_ body: String) -> [UInt8] {
        RequestBytes.post(port: port, path: endpoint, session: session, body: body)
    }

    /// Stops polling; with `unload`, first tells the server the page is leaving (from the
    /// thread that owns `calls`). Waits for the poll thread to end.
    func stop(unload: Bool) {
        if unload {
            _ = calls.exchange(request(PollReply.unloadBody(session: session)), deadline: Clock.nanos() + Clock.nanos(seconds: 5))
        }
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        pollConnection.shutdown()
        _ = pollEnded.wait(timeout: .now() + .seconds(10))
    }

    private func pollLoop(holdTimeout: Int64) {
        var ack = 0
        var results: [String] = []
        let endOfLife = Clock.nanos() + Clock.nanos(seconds: Self.maxLifetimeSeconds)
        for _ in 0..<100_000_000 {
            if stopping.load(ordering: .relaxed) || Clock.nanos() > endOfLife { return }
            let request = request(PollReply.nextBody(session: session, ack: ack, results: results))
            guard pollConnection.exchange(request, deadline: Clock.nanos() + holdTimeout) else {
                if !stopping.load(ordering: .relaxed) { failure.withLock { $0 = "the poll connection ended" } }
                return
            }
            let receivedAt = Clock.nanos()
            polls.add(1, ordering: .relaxed)
            guard pollConnection.status == 200, let commands = PollReply.commands(in: pollConnection.bodyBytes) else {
                if !stopping.load(ordering: .relaxed) {
                    let status = pollConnection.status
                    failure.withLock { $0 = "a poll was answered \(status)" }
                }
                return
            }
            results.removeAll(keepingCapacity: true)
            for command in commands where command.seq > ack {
                ack = command.seq
                let answer = onCommand(command, receivedAt)
                if let id = command.readID {
                    results.append(PollReply.result(id: id, answer ?? .value("null")))
                }
            }
        }
    }
}

/// Hands a value that is not `Sendable` to exactly one other thread.
struct HandOver<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
