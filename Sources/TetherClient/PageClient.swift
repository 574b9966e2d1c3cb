#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TetherBridge
import TetherHTTP
import TetherSupport

/// One page, as the page script runs it, over any transport: loaded with a GET (its token
/// from `X-Tether-Session`), it polls on one transport, runs each command once in seq order
/// with `run` (which answers reads; nil leaves a read unanswered) and sends the answers and
/// its ack with the next poll; calls, gets and sets go over a second transport, writes
/// inline when asked; `unload` says goodbye, `vanish` just goes.
///
///     let page = try PageClient(loading: "/index.html", over: SocketTransport(port: 8080))
///     page.startPolling()
///     try page.call("increment")
///     page.waitForCommands(1)      // ["document.getElementById(\"count\").innerHTML=1"]
///     try page.unload()
package final class PageClient: Sendable {
    package let session: String
    /// `POST` path of the protocol beside the page (`/_process_srv0`).
    package let endpoint: String
    private let callTransport: any ClientTransport
    private let pollTransport: any ClientTransport
    private let run: ReadRule
    private let recording: Bool
    private let state: Mutex<PageState>
    private let record = Mutex(Record())
    private let stopping = Atomic<Bool>(false)
    private let pollEnded = DispatchSemaphore(value: 0)
    private let pollStarted = Atomic<Bool>(false)
    /// Polls answered so far.
    package let pollCount = Atomic<Int>(0)
    /// Receivers between taking their commands and having run them all (see `settle`).
    private let receiving = Atomic<Int>(0)

    private struct Record {
        var received: [String] = []
        /// Why the poll loop ended without being asked to.
        var failure: ClientError?
    }

    /// How long past the server's hold a poll may take before it counts as lost.
    package static let pollGrace: Duration = .seconds(15)
    /// Calls, gets, sets and loads give up after this.
    package static let requestTimeout: Duration = .seconds(30)

    /// Loads `path` with a GET, as a browser does; the page's session opens at its first POST.
    /// `recording` keeps every command's code in `received`.
    package convenience init(loading path: String = "/index.html", over transport: any ClientTransport,
                             recording: Bool = true, run: @escaping ReadRule = { _ in .value(.null) }) throws(ClientError) {
        var request = HTTPRequest(method: "GET", target: path, headers: ["Accept": "text/html"])
        if let authority = transport.authority { request.headers.add("Host", authority) }
        let response = try transport.exchange(request, timeout: Self.requestTimeout)
        guard response.status.code == 200 else { throw .refusal(response) }
        guard let token = response.headers["X-Tether-Session"], !token.isEmpty else {
            throw .malformed("loading \(path) gave no X-Tether-Session")
        }
        try self.init(session: token, pagePath: path, over: transport, recording: recording, run: run)
    }

    /// The page with session (or token) `session`, served from `pagePath`, without loading it.
    package init(session: String, pagePath: String = "/index.html", over transport: any ClientTransport,
                 recording: Bool = true, run: @escaping ReadRule = { _ in .value(.null) }) throws(ClientError) {
        self.session = session
        let path = pagePath.prefix { $0 != "?" }
        endpoint = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)]) + "_process_srv0"
        callTransport = transport
        pollTransport = try transport.another()
        self.run = run
        self.recording = recording
        state = Mutex(PageState(session: session))
    }

    // MARK: What the page received

    /// The code of every command run so far, in order (when recording).
    package var received: [String] { record.withLock { $0.received } }

    /// Why polling ended by itself (nil while it runs, or after `vanish`/`unload`).
    package var failure: ClientError? { record.withLock { $0.failure } }

    /// Waits until `count` commands have run (or `timeout` passes); returns their code.
    @discardableResult
    package func waitForCommands(_ count: Int, timeout: Duration = .seconds(5)) -> [String] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let now = received
            if now.count >= count { return now }
            _ = DispatchSemaphore(value: 0).wait(timeout: .now() + .milliseconds(1))
        }
        return received
    }

    // MARK: Polling

    /// One poll: sends the ack, the answers owed and `errors`, runs what comes back. Waits
    /// for the server's hold when nothing is queued. Throws the refusal (410 once closed).
    package func pollOnce(errors: [PageError] = [], hold: Duration = .seconds(20)) throws(ClientError) {
        let response = try pollTransport.exchange(nextPollRequest(errors: errors), timeout: hold + Self.pollGrace)
        guard response.status.code == 200 else { throw .refusal(response) }
        try receivePoll(response.body)
    }

    /// The next poll, for a driver of its own (one thread polling for many pages): it
    /// acknowledges what has run and carries the answers owed, which are handed over now.
    package func nextPollRequest(errors: [PageError] = []) -> HTTPRequest {
        request(state.withLock { $0.nextPoll() }, errors: errors)
    }

    /// A poll's 200 body: runs what it carries.
    package func receivePoll(_ body: [UInt8]) throws(ClientError) {
        let reply: PollReply
        do { reply = try ProtocolCodec.decodePollReply(body) } catch { throw .malformed(error.description) }
        pollCount.add(1, ordering: .relaxed)
        receive(reply.commands)
    }

    /// Polls on a thread of its own until `vanish`, `unload`, or the server ends the session.
    package func startPolling(hold: Duration = .seconds(20)) {
        guard !pollStarted.exchange(true, ordering: .relaxed) else { return }
        let started = PosixThread.start(stackBytes: 256 * 1024) { [self] in
            while !stopping.load(ordering: .relaxed) {
                do throws(ClientError) { try pollOnce(hold: hold) } catch {
                    if !stopping.load(ordering: .relaxed) { record.withLock { $0.failure = error } }
                    break
                }
            }
            pollEnded.signal()
        }
        if !started {
            record.withLock { $0.failure = .transport("cannot start the poll thread") }
            pollEnded.signal()
        }
    }

    /// Runs the commands not yet run, outside any lock (a rule may call back into the client).
    private func receive(_ commands: [PageCommand]) {
        guard !commands.isEmpty else { return }
        // Counted under the same lock as the take: nobody sees commands taken but not counted.
        let fresh = state.withLock { state in
            receiving.add(1, ordering: .relaxed)
            return state.take(commands)
        }
        defer { receiving.subtract(1, ordering: .releasing) }
        for command in fresh {
            if recording { record.withLock { $0.received.append(command.code) } }
            let outcome = run(command)
            state.withLock { $0.answer(command, with: outcome) }
        }
    }

    /// Waits (up to `timeout`) until every command taken so far has run. Two threads may
    /// receive at once (the poll thread, and a caller's own `pollOnce`); the ack moves when a
    /// command is taken, so a poll of the one can come back empty while the other is still
    /// running what it took. `TetherTesting` settles before it shows what the page received.
    package func settle(timeout: Duration = .seconds(5)) {
        let deadline = ContinuousClock.now + timeout
        while receiving.load(ordering: .acquiring) > 0, ContinuousClock.now < deadline {
            usleep(200)
        }
    }

    // MARK: Calling the server

    /// `server.name(args…)`: the value it returned. With `inline`, the call's writes come back
    /// in its reply and run before it returns, as the page script asks for them.
    @discardableResult
    package func call(_ function: String, _ arguments: [JSONValue] = [], inline: Bool = false) throws(ClientError) -> JSONValue {
        try answer(.call(function: function, arguments: arguments), inline: inline)
    }

    /// `await server.name`.
    package func get(_ property: String) throws(ClientError) -> JSONValue {
        try answer(.get(property: property))
    }

    /// `server.name = value`.
    package func set(_ property: String, _ value: JSONValue, inline: Bool = false) throws(ClientError) {
        _ = try answer(.set(property: property, value: value), inline: inline)
    }

    /// The page leaves, as a closing tab's beacon says (204); polling stops.
    package func unload() throws(ClientError) {
        stopping.store(true, ordering: .relaxed)  // the 410 its poll now gets is no failure
        defer { endPolling() }
        let response = try callTransport.exchange(request(.unload), timeout: Self.requestTimeout)
        guard response.status.code == 204 else { throw .refusal(response) }
    }

    /// The page goes silent, as a killed browser does: polling stops, its poll is cut.
    package func vanish() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        endPolling()
    }

    private func endPolling() {
        pollTransport.cut()
        guard pollStarted.load(ordering: .relaxed), pollEnded.wait(timeout: .now() + .seconds(30)) == .success else { return }
        pollEnded.signal()  // for whoever waits next (a second unload)
    }

    private func answer(_ message: BridgeMessage, inline: Bool = false) throws(ClientError) -> JSONValue {
        let inlineAck = inline ? state.withLock { $0.ack } : nil
        let response = try callTransport.exchange(request(message, inlineAck: inlineAck), timeout: Self.requestTimeout)
        guard response.status.code == 200 else { throw .refusal(response) }
        let reply: CallReply
        let value: JSONValue
        do throws(MalformedMessage) { reply = try ProtocolCodec.decodeCallReply(response.body) } catch { throw .malformed(error.description) }
        do throws(JSONParser.Failure) { value = try reply.value.decoded() } catch { throw .malformed(error.description) }
        receive(reply.commands ?? [])
        return value
    }

    // MARK: Requests

    /// The POST of `message` as the page script's `fetch` makes it: JSON, the page's origin,
    /// its session header. `inlineAck` asks for a call's writes in its reply.
    package func request(_ message: BridgeMessage, inlineAck: Int? = nil, errors: [PageError] = []) -> HTTPRequest {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "X-Tether-Session": session]
        if let authority = callTransport.authority {
            headers.add("Host", authority)
            headers.add("Origin", "http://" + authority)
        }
        let envelope = BridgeMessage.Envelope(session: session, message: message, inlineAck: inlineAck, errors: errors)
        return HTTPRequest(method: "POST", target: endpoint, headers: headers, body: Array(ProtocolCodec.encode(envelope).utf8))
    }
}
