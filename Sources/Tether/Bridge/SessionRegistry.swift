import Dispatch
import Synchronization
import TetherHTTP
import TetherSupport

/// Every open session by id, and the sweeper thread that closes pages that stopped polling.
public final class SessionRegistry: Sendable {
    private let configuration: BridgeConfiguration
    private let log: Log
    /// Read by every request (`session(_:)`), written when a page opens or closes.
    private let table = ReadWriteLock(Table())
    private let tokens = PageTokens()
    private let sweeperStop = DispatchSemaphore(value: 0)
    private let sweeperRunning = Atomic<Bool>(false)
    private let startedAt = ContinuousClock.now
    /// Nanoseconds after `startedAt` of the most recent poll from any page; -1 for none yet.
    private let lastPollNanos = Atomic<Int64>(-1)
    private let memory = MemoryReturn()
    /// Polls being held right now, by any page.
    private let heldPolls = Atomic<Int>(0)
    /// When the latest poll arrived (ns since start), -1 before any.
    private let lastPollArrivalNanos = Atomic<Int64>(-1)
    /// Nanoseconds after `startedAt` of the sweeper's last pass (for a watchdog).
    private let lastSweepNanos = Atomic<Int64>(0)
    /// Sessions that gave way, and pages refused, at the limit since the sweeper last said so:
    /// one summary line per interval, not one per page, however hard a client churns.
    private let gaveWay = Atomic<Int>(0)
    private let refusedAtLimit = Atomic<Int>(0)

    private struct Table {
        var sessions: [String: Session] = [:]
        /// Tokens of closed sessions that could still be redeemed, so a closed page stays closed.
        var spent = SpentTokens()
    }
    /// Errors reported by every page since start (`/_health`'s `pageErrors`).
    let pageErrors = PageErrorCount()

    public init(configuration: BridgeConfiguration, log: Log) {
        self.configuration = configuration
        self.log = log
    }

    public enum CreateError: Error, Equatable, CustomStringConvertible {
        case tooManySessions(limit: Int)
        public var description: String {
            switch self {
            case .tooManySessions(let limit):
                "\(limit) pages are open and each holds a live poll: the session limit is reached"
            }
        }
    }

    /// Why a POST's session id opens no session.
    package enum ActivationError: Error, Equatable {
        /// Not a token of this process, or its session has closed.
        case unknown
        /// A valid token whose first request came later than `firstPollTimeout` after its page load.
        case expired
        case full(CreateError)
    }

    // MARK: Page tokens

    /// The token a served page carries until its first request opens its session. Costs no state.
    package func issueToken(pagePath: String, target: String) -> String {
        tokens.issue(pagePath: pagePath, target: target, atMilliseconds: millisecondsSinceStart)
    }

    /// The open session for `id`, or a new one when `id` is a fresh token of ours: a page's
    /// first request. `prepare` attaches the session's endpoint before any other request can
    /// see it. `isNew` is true for the request that opened it. The session's opening request is
    /// the page's address as loaded (from the token) with `firstRequest`'s headers and client.
    package func activate(_ id: String, firstRequest: HTTPRequest,
                          prepare: (Session) -> Void) throws(ActivationError) -> (session: Session, isNew: Bool) {
        if let open = session(id) { return (open, false) }
        guard let token = tokens.verify(id) else { throw .unknown }
        let age = Double(millisecondsSinceStart - token.issuedMilliseconds) / 1000
        guard age <= configuration.firstPollTimeout.secondsValue else { throw .expired }
        guard !table.read({ $0.spent.contains(id, now: .now) }) else { throw .unknown }
        let opening = HTTPRequest(method: "GET", target: token.target, version: firstRequest.version,
                                  headers: firstRequest.headers, peerAddress: firstRequest.peerAddress)
        let session = makeSession(id: id, pagePath: token.pagePath, openingRequest: opening)
        prepare(session)
        switch admit(session) {
        case .admitted:
            return (session, true)
        case .existing(let winner):
            // Two first requests raced; the other opened it. This page's app is the winner's:
            // the copy made here never opened, so it hears no close either.
            session.discard()
            return (winner, false)
        case .spent:
            session.close(.closedByServer)
            throw .unknown
        case .full:
            session.close(.closedByServer)
            refusedAtLimit.add(1, ordering: .relaxed)
            throw .full(.tooManySessions(limit: configuration.maxSessions))
        }
    }

    /// Marks a token whose page unloaded before its first request, so it opens nothing later.
    package func spend(_ id: String) {
        guard tokens.verify(id) != nil else { return }
        let expiry = ContinuousClock.now + configuration.firstPollTimeout
        table.write { $0.spent.insert(id, until: expiry, capacity: spentCapacity) }
    }

    /// A session under a random id, admitted at once (in-process pages, `TestPage`).
    package func create(pagePath: String, openingRequest: HTTPRequest? = nil) throws(CreateError) -> Session {
        let session = makeSession(id: SessionID.make(), pagePath: pagePath,
                                  openingRequest: openingRequest ?? HTTPRequest(method: "GET", target: "/" + pagePath))
        guard case .admitted = admit(session) else { throw .tooManySessions(limit: configuration.maxSessions) }
        return session
    }

    private func makeSession(id: String, pagePath: String, openingRequest: HTTPRequest) -> Session {
        Session(id: id, pagePath: pagePath, openingRequest: openingRequest, configuration: configuration, log: log,
                errorCount: pageErrors, onClose: { [weak self] closed in self?.remove(closed) })
    }

    private enum Admission {
        case admitted
        case existing(Session)
        case spent
        case full
    }

    /// Adds `session`; at the limit the session silent longest, and never one holding a live
    /// poll, gives way. Full only when every open page holds a poll. The victim is chosen and
    /// replaced under one write lock, so concurrent first requests each displace their own.
    private func admit(_ session: Session) -> Admission {
        let expiry = ContinuousClock.now + configuration.firstPollTimeout
        let capacity = spentCapacity
        let (outcome, victim) = table.write { table -> (Admission, Session?) in
            if let existing = table.sessions[session.id] { return (.existing(existing), nil) }
            if table.spent.contains(session.id, now: .now) { return (.spent, nil) }
            var victim: Session?
            if table.sessions.count >= configuration.maxSessions {
                guard let found = Self.silentLongest(in: table.sessions.values) else { return (.full, nil) }
                table.sessions[found.id] = nil
                table.spent.insert(found.id, until: expiry, capacity: capacity)
                victim = found
            }
            table.sessions[session.id] = session
            return (.admitted, victim)
        }
        if let victim {
            gaveWay.add(1, ordering: .relaxed)
            victim.close(.gaveWay)
        }
        return outcome
    }

    private static func silentLongest(in sessions: Dictionary<String, Session>.Values) -> Session? {
        var found: (session: Session, since: ContinuousClock.Instant)?
        for candidate in sessions {
            guard let since = candidate.silentSince else { continue }
            if let current = found, current.since <= since { continue }
            found = (candidate, since)
        }
        return found?.session
    }

    private var millisecondsSinceStart: Int64 { (ContinuousClock.now - startedAt).microseconds / 1000 }

    /// Closed sessions' tokens are remembered until they could no longer be redeemed anyway;
    /// beyond this many (a local client opening and closing pages in a flood) the oldest are
    /// forgotten, which lets only their holders reopen them.
    private var spentCapacity: Int { max(4096, 16 * configuration.maxSessions) }

    public func session(_ id: String) -> Session? { table.read { $0.sessions[id] } }

    /// Open sessions, in no particular order.
    public var all: [Session] { table.read { Array($0.sessions.values) } }

    public var count: Int { table.read { $0.sessions.count } }

    private func remove(_ session: Session) {
        let expiry = ContinuousClock.now + configuration.firstPollTimeout
        let capacity = spentCapacity
        table.write { table in
            guard table.sessions[session.id] === session else { return }
            table.sessions[session.id] = nil
            table.spent.insert(session.id, until: expiry, capacity: capacity)
        }
    }

    func notePoll() {
        lastPollNanos.store(Int64((ContinuousClock.now - startedAt).microseconds * 1000), ordering: .relaxed)
    }

    /// A page's poll starts and ends being held (counted for `idleSeconds`).
    func heldPollBegan() {
        notePoll()
        lastPollArrivalNanos.store(Int64((ContinuousClock.now - startedAt).microseconds * 1000), ordering: .relaxed)
        heldPolls.add(1, ordering: .relaxed)
    }

    func heldPollEnded() {
        heldPolls.subtract(1, ordering: .relaxed)
        notePoll()
    }

    /// Seconds no page has been polling: nil while a poll is held, or before any page polled.
    /// `tetherd --exit-when-idle` exits when this passes its limit.
    public var idleSeconds: Double? {
        guard heldPolls.load(ordering: .relaxed) == 0 else { return nil }
        return secondsSinceLastPoll
    }

    /// Seconds since a page's poll last arrived, or since the start when none has: a page alive
    /// asks again at least every poll hold, so this grows only once every page is gone, even one
    /// killed while its poll was held. `--exit-when-idle` exits when it passes its limit.
    public var secondsSinceAPollArrived: Double {
        let nanos = max(0, lastPollArrivalNanos.load(ordering: .relaxed))
        return max(0, (ContinuousClock.now - startedAt).secondsValue - Double(nanos) / 1e9)
    }

    /// Seconds since any page last polled, nil when none has.
    public var secondsSinceLastPoll: Double? {
        let nanos = lastPollNanos.load(ordering: .relaxed)
        guard nanos >= 0 else { return nil }
        return max(0, (ContinuousClock.now - startedAt).secondsValue - Double(nanos) / 1e9)
    }

    /// Errors pages have reported since the server started (failed statements, uncaught
    /// errors, unsendable values).
    public var pageErrorCount: Int { pageErrors.value }

    public var uptimeSeconds: Double { (ContinuousClock.now - startedAt).secondsValue }

    /// Whether the sweeper has run within three of its intervals (for a watchdog).
    public var isSweeperAlive: Bool {
        guard sweeperRunning.load(ordering: .relaxed) else { return false }
        let since = (ContinuousClock.now - startedAt).secondsValue - Double(lastSweepNanos.load(ordering: .relaxed)) / 1e9
        return since < 3 * max(configuration.sweepInterval.secondsValue, 0.01) + 1
    }

    // MARK: Sweeper

    public func startSweeper() {
        guard !sweeperRunning.exchange(true, ordering: .acquiringAndReleasing) else { return }
        PosixThread.start(stackBytes: 256 * 1024) { [self] in
            while sweeperStop.wait(timeout: .now() + configuration.sweepInterval.dispatchInterval) == .timedOut {
                sweep()
            }
            sweeperRunning.store(false, ordering: .relaxed)
        }
    }

    public func stopSweeper() {
        if sweeperRunning.load(ordering: .relaxed) { sweeperStop.signal() }
    }

    /// Closes every session whose page has not polled in time. Public so tests can sweep now.
    public func sweep() {
        let now = ContinuousClock.now
        lastSweepNanos.store(Int64((now - startedAt).microseconds * 1000), ordering: .relaxed)
        for session in all where session.isExpired(now: now) {
            session.close(session.lastPollAt == nil ? .neverPolled : .stoppedPolling)
        }
        let displaced = gaveWay.exchange(0, ordering: .relaxed), refused = refusedAtLimit.exchange(0, ordering: .relaxed)
        if displaced > 0 || refused > 0 {
            log.warning("session limit (\(configuration.maxSessions)) reached: \(displaced) silent session(s) gave way to new pages, "
                + "\(refused) page(s) refused because every open page holds a live poll")
        }
        memory.note(openSessions: count)
    }

    /// Closes every session (the server is stopping, or the app asked).
    public func closeAll(_ reason: CloseReason) {
        for session in all { session.close(reason) }
    }
}

enum SessionID {
    /// 128 bits from the system's secure source (`getrandom` behind `SystemRandomNumberGenerator`), as 32 hex digits.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}
