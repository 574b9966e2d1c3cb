import Dispatch
import Synchronization
import TetherHTTP

/// One browser page: its ordered, acknowledged outbox, its waiting reads and its held poll.
/// All state sits behind one `Mutex`; no lock is held while a thread waits.
public final class Session: Sendable {
    /// The page's token (see `PageTokens`): unguessable, in the page and in `X-Tether-Session`.
    public let id: String
    /// The file this page was served from, relative to the www root (`index.html`).
    public let pagePath: String
    /// The request that served the page (its body dropped), for the app: path, query,
    /// headers, cookies, client address.
    public let openingRequest: HTTPRequest
    let createdAt: ContinuousClock.Instant
    private let configuration: BridgeConfiguration
    private let log: Log
    private let state: Mutex<State>
    /// Left once, on close: `waitUntilClosed` returns for every waiter at once.
    private let closedLatch = DispatchGroup()
    private let onClose: @Sendable (Session) -> Void
    private let errorCount: PageErrorCount

    private struct State {
        var outbox = Outbox()
        var reads: [Int: ReadSlot] = [:]
        var nextReadID = 1
        var poll: PollWaiter?
        var pollWoken = false
        var lastPollAt: ContinuousClock.Instant?
        /// Last sign of life from the page: a request from it, or the end of its poll's hold.
        var lastHeardAt: ContinuousClock.Instant
        /// When the connection of a held poll closed, with no poll since: the page may be gone.
        var pollLostAt: ContinuousClock.Instant?
        var closeReason: CloseReason?
        /// Above zero while a call runs: its writes go out together when it ends.
        var batchDepth = 0
        var wakeDeferred = false
        var endpoint: (any SessionEndpoint)?
        /// When an error report was last logged, and how many were not logged since.
        var errorLoggedAt: ContinuousClock.Instant?
        var errorsNotLogged = 0
    }

    init(id: String, pagePath: String, openingRequest: HTTPRequest, configuration: BridgeConfiguration, log: Log,
         errorCount: PageErrorCount = PageErrorCount(), onClose: @escaping @Sendable (Session) -> Void) {
        self.errorCount = errorCount
        self.id = id
        self.pagePath = pagePath
        var request = openingRequest
        request.body = []
        self.openingRequest = request
        self.configuration = configuration
        self.log = log
        self.onClose = onClose
        let now = ContinuousClock.now
        createdAt = now
        state = Mutex(State(lastHeardAt: now))
        closedLatch.enter()
    }

    package var endpoint: (any SessionEndpoint)? { state.withLock { $0.endpoint } }

    package func attach(_ endpoint: any SessionEndpoint) {
        state.withLock { $0.endpoint = endpoint }
    }

    public var isOpen: Bool { state.withLock { $0.closeReason == nil } }

    public var closeReason: CloseReason? { state.withLock { $0.closeReason } }

    /// Commands queued and not yet acknowledged by the page.
    public var pendingCommandCount: Int { state.withLock { $0.outbox.count } }

    // MARK: Writes and reads (Swift side)

    /// Queues an operation for the page; false when the page is closed (it is dropped).
    /// A full outbox keeps only the newest of the operations sharing a `coalescingKey`.
    @discardableResult
    public func queue(_ operation: PageOperation, coalescingKey: String? = nil) -> Bool {
        let outcome = state.withLock { state -> (accepted: Bool, overflow: Bool, wake: PollWaiter?) in
            guard state.closeReason == nil else { return (false, false, nil) }
            state.outbox.append(operation, coalescingKey: coalescingKey)
            let overflow = enforceBound(&state)
            return (true, overflow, overflow ? nil : pollToWake(&state, deferrable: true))
        }
        outcome.wake?.wake()
        if outcome.overflow { close(.outboxOverflow) }
        return outcome.accepted
    }

    /// Queues an expression whose value the page sends back, and blocks this thread until it
    /// does, the timeout passes or the page closes.
    public func read(_ expression: JSExpression, timeout: Duration) -> ReadOutcome {
        let slot = ReadSlot()
        let queued = state.withLock { state -> (id: Int, overflow: Bool, wake: PollWaiter?)? in
            guard state.closeReason == nil else { return nil }
            let id = state.nextReadID
            state.nextReadID += 1
            state.reads[id] = slot
            state.outbox.append(.read(expression), readID: id)
            let overflow = enforceBound(&state)
            return (id, overflow, pollToWake(&state, deferrable: false))
        }
        guard let queued else { return .closed }
        queued.wake?.wake()
        if queued.overflow { close(.outboxOverflow) }
        let outcome = slot.wait(timeout: timeout)
        state.withLock { _ = $0.reads.removeValue(forKey: queued.id) }
        return outcome ?? (isOpen ? .timedOut : .closed)
    }

    // MARK: A call's writes: batched, or inline in its reply
    //
    // The writes a call or set makes reach the page one of two ways, both decided here:
    // - batched (`batch`): they wake the held poll together when the call returns;
    // - inline (`runCall(inlineAcknowledging:)`): the page asked (`"inline":true` with its
    //   `ack`), so they travel back in the call's own reply as `"commands"`: one exchange
    //   instead of two.
    //
    // The page script relies on these (PageScript: `send`, `pollLoop`, `enqueue`):
    // 1. An inline reply carries every unacknowledged command, in seq order, not only the
    //    call's. The page runs commands in seq order and skips any seq at or below its `ack`,
    //    so a command that also reaches it with a poll runs once.
    // 2. Never inline while a read is queued. A read's answer goes back in the `results` of
    //    the page's next poll, and the page clears `results` when a poll's reply arrives
    //    (they went with that poll). A read run from an inline reply while a poll is held
    //    would add its answer after that poll was sent, and the clear would drop it: the
    //    `page.eval` waiting for it would time out. So with a read queued, the writes go with
    //    the poll, which is woken as for a batch.
    // 3. Inlined writes leave a held poll waiting: the page takes them from the reply.
    // 4. The page's `ack` is taken before the call runs, so the reply repeats nothing the page
    //    has run.

    /// Writes made inside `body` reach a waiting poll together, when it returns.
    public func batch<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        state.withLock { $0.batchDepth += 1 }
        defer { endBatch(inline: false).wake?.wake() }
        return try body()
    }

    /// Runs a call's body as a batch. With `ack` (the page asked for its writes inline), first
    /// acknowledges what the page has run, then returns every unacknowledged command for the
    /// reply: nil when there is none, or when a read is queued (rule 2: they go with the poll).
    package func runCall<Result, Failure: Error>(
        inlineAcknowledging ack: Int?, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> (result: Result, inline: [PageCommand]?) {
        guard let ack else { return (try batch(body), nil) }
        state.withLock { state in
            state.outbox.acknowledge(upTo: ack)  // rule 4
            state.batchDepth += 1
        }
        let result: Result
        do {
            result = try body()
        } catch {
            endBatch(inline: true).wake?.wake()
            throw error
        }
        let end = endBatch(inline: true)
        end.wake?.wake()
        return (result, end.inline)
    }

    /// Closes a batch: the held poll to wake once the lock is released, if any, or (inline)
    /// the commands for the reply.
    private func endBatch(inline: Bool) -> (wake: PollWaiter?, inline: [PageCommand]?) {
        state.withLock { state in
            state.batchDepth -= 1
            if !inline || state.outbox.hasReads {
                guard state.batchDepth == 0 && state.wakeDeferred else { return (nil, nil) }
                state.wakeDeferred = false
                return (pollToWake(&state, deferrable: false), nil)
            }
            // Rule 3: a poll held now keeps waiting; the page takes these from the reply.
            if state.batchDepth == 0 { state.wakeDeferred = false }
            return (nil, state.outbox.isEmpty ? nil : state.outbox.pageCommands)  // rule 1
        }
    }

    /// Blocks until the session closes or `timeout` passes; true when closed.
    public func waitUntilClosed(timeout: Duration) -> Bool {
        closedLatch.wait(timeout: .now() + timeout.dispatchInterval) == .success
    }

    // MARK: The page's poll

    package enum PollOutcome: Equatable {
        /// Every unacknowledged command (possibly none).
        case commands([PageCommand])
        case closed(CloseReason)
    }

    package enum PollStart {
        case answered(PollOutcome)
        /// Nothing to send yet: `onWake` runs when the poll should end; then call `endPoll`.
        case held(PollWaiter)
    }

    /// Handles a `next`: takes the acknowledgement and the answers, then returns queued
    /// commands at once, or holds until some are queued, a newer poll arrives or the hold ends.
    /// Blocks this thread meanwhile; the server holds polls with `beginPoll` instead.
    package func poll(acknowledging ack: Int, results: [(id: Int, outcome: ReadOutcome)], hold: Duration) -> PollOutcome {
        let woken = DispatchSemaphore(value: 0)
        switch beginPoll(acknowledging: ack, results: results, onWake: { _ in woken.signal() }) {
        case .answered(let outcome):
            return outcome
        case .held(let waiter):
            if woken.wait(timeout: .now() + hold.dispatchInterval) == .timedOut { waiter.wake() }
            return endPoll(waiter)
        }
    }

    /// The first half of a `next` that holds no thread: answers at once, or parks the poll.
    /// `onWake` runs once, on whichever thread wakes it, never under this session's lock; the
    /// holder may also wake it itself (the hold ended, its client left).
    package func beginPoll(acknowledging ack: Int, results: [(id: Int, outcome: ReadOutcome)],
                           onWake: @escaping @Sendable (PollWaiter) -> Void) -> PollStart {
        var answered: [(ReadSlot, ReadOutcome)] = []
        let waiter = PollWaiter(onWake: onWake)
        var older: PollWaiter?
        let immediate = state.withLock { state -> PollOutcome? in
            if let reason = state.closeReason { return .closed(reason) }
            state.outbox.acknowledge(upTo: ack)
            for result in results {
                if let slot = state.reads.removeValue(forKey: result.id) { answered.append((slot, result.outcome)) }
            }
            state.lastPollAt = .now
            state.lastHeardAt = .now
            state.pollLostAt = nil
            if let poll = state.poll {
                poll.superseded.store(true, ordering: .releasing)
                older = poll
                state.poll = nil
            }
            if !state.outbox.isEmpty { return .commands(state.outbox.pageCommands) }
            state.poll = waiter
            state.pollWoken = false
            return nil
        }
        for (slot, outcome) in answered { slot.fulfil(outcome) }
        older?.wake()
        if let immediate { return .answered(immediate) }
        return .held(waiter)
    }

    /// What a woken poll answers: every unacknowledged command, none when a newer poll took
    /// over, or the reason the session closed.
    package func endPoll(_ waiter: PollWaiter) -> PollOutcome {
        state.withLock { state in
            if state.poll === waiter {
                state.poll = nil
                state.pollWoken = false
                state.lastPollAt = .now
                // A lost or superseded poll says nothing new about the page.
                state.lastHeardAt = .now
            }
            if let reason = state.closeReason { return .closed(reason) }
            if waiter.superseded.load(ordering: .acquiring) { return .commands([]) }
            return .commands(state.outbox.pageCommands)
        }
    }

    /// The connection of a held poll closed before its answer: unless the page polls again
    /// within `lostPollGrace`, the sweeper closes the session.
    package func pollLost(_ waiter: PollWaiter) {
        state.withLock { state in
            guard state.poll === waiter else { return }
            state.poll = nil
            state.pollWoken = false
            state.pollLostAt = .now
        }
    }

    /// True when the page should be closed for not polling.
    func isExpired(now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            guard state.closeReason == nil, state.poll == nil else { return false }
            if let lost = state.pollLostAt { return now - lost > configuration.lostPollGrace }
            if let last = state.lastPollAt { return now - last > configuration.pollGapTimeout }
            return now - createdAt > configuration.firstPollTimeout
        }
    }

    var lastPollAt: ContinuousClock.Instant? { state.withLock { $0.lastPollAt } }

    /// Whether a `next` is being held now.
    var isHoldingPoll: Bool { state.withLock { $0.poll != nil } }

    /// The page made a request (any task).
    package func noteHeard() { state.withLock { $0.lastHeardAt = .now } }

    /// Since when the page has been silent; nil while it holds a poll (it is in contact).
    var silentSince: ContinuousClock.Instant? {
        state.withLock { state in state.poll == nil && state.closeReason == nil ? state.lastHeardAt : nil }
    }

    // MARK: Errors in the page

    /// Takes errors the page (or a refused assignment) reported: counts them, logs one warning
    /// line per `errorLogInterval` at most (with how many went unlogged), and tells the app.
    package func report(_ errors: [PageError]) {
        guard !errors.isEmpty else { return }
        errorCount.add(errors.count)
        let now = ContinuousClock.now
        let (logNow, unlogged, endpoint) = state.withLock { state -> (Bool, Int, (any SessionEndpoint)?) in
            if let last = state.errorLoggedAt, now - last < configuration.errorLogInterval {
                state.errorsNotLogged += errors.count
                return (false, 0, state.endpoint)
            }
            let unlogged = state.errorsNotLogged + errors.count - 1
            state.errorLoggedAt = now
            state.errorsNotLogged = 0
            return (true, unlogged, state.endpoint)
        }
        if logNow {
            let more = unlogged > 0 ? " (and \(unlogged) more not logged)" : ""
            log.warning("page \(id.prefix(8)) \(pagePath): \(errors[0].logText)\(more)")
        }
        endpoint?.pageReported(errors)
    }

    // MARK: Closing

    /// Ends the session: reads fail with page-closed, the poll returns, the app is told.
    /// Safe to call more than once; only the first counts.
    public func close(_ reason: CloseReason) {
        let taken = state.withLock { state -> (reads: [ReadSlot], poll: PollWaiter?, endpoint: (any SessionEndpoint)?)? in
            guard state.closeReason == nil else { return nil }
            state.closeReason = reason
            state.outbox.removeAll()
            let reads = Array(state.reads.values)
            state.reads.removeAll()
            let poll = state.poll
            state.poll = nil
            let endpoint = state.endpoint
            state.endpoint = nil
            return (reads, poll, endpoint)
        }
        guard let taken else { return }
        if reason == .outboxOverflow || reason == .stoppedPolling || reason == .neverPolled {
            log.info("session \(id.prefix(8)) closed: \(reason)")
        } else {
            log.debug("session \(id.prefix(8)) closed: \(reason)")
        }
        for slot in taken.reads { slot.fulfil(.closed) }
        taken.poll?.wake()
        closedLatch.leave()
        onClose(self)
        taken.endpoint?.sessionClosed(reason)
    }

    /// Closes a session that was never admitted, without telling the endpoint made for it.
    package func discard() {
        state.withLock { $0.endpoint = nil }
        close(.closedByServer)
    }

    // MARK: Private

    /// The held poll to wake once the lock is released, if any.
    private func pollToWake(_ state: inout State, deferrable: Bool) -> PollWaiter? {
        if deferrable && state.batchDepth > 0 {
            state.wakeDeferred = true
            return nil
        }
        guard let poll = state.poll, !state.pollWoken else { return nil }
        state.pollWoken = true
        return poll
    }

    /// Coalesces a full outbox; true when even that leaves it over the bound.
    private func enforceBound(_ state: inout State) -> Bool {
        guard state.outbox.count > configuration.maxOutbox else { return false }
        let dropped = state.outbox.coalesce()
        if dropped > 0 { log.debug("session \(id.prefix(8)): coalesced \(dropped) superseded writes") }
        return state.outbox.count > configuration.maxOutbox
    }
}
