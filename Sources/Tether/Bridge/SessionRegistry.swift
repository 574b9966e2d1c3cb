import Dispatch
import Synchronization
import TetherHTTP

/// Every open session by id, and the sweeper thread that closes pages that stopped polling.
public final class SessionRegistry: Sendable {
    private let configuration: BridgeConfiguration
    private let log: Log
    /// Read by every request (`session(_:)`), written when a page opens or closes.
    private let sessions = ReadWriteLock<[String: Session]>([:])
    private let sweeperStop = DispatchSemaphore(value: 0)
    private let sweeperRunning = Atomic<Bool>(false)
    private let startedAt = ContinuousClock.now
    /// Nanoseconds after `startedAt` of the most recent poll from any page; -1 for none yet.
    private let lastPollNanos = Atomic<Int64>(-1)
    private let memory = MemoryReturn()
    /// Polls being held right now, by any page.
    private let heldPolls = Atomic<Int>(0)
    /// Nanoseconds after `startedAt` of the sweeper's last pass (for a watchdog).
    private let lastSweepNanos = Atomic<Int64>(0)

    public init(configuration: BridgeConfiguration, log: Log) {
        self.configuration = configuration
        self.log = log
    }

    public enum CreateError: Error, Equatable, CustomStringConvertible {
        case tooManySessions(limit: Int)
        public var description: String {
            switch self {
            case .tooManySessions(let limit): "\(limit) pages are open: the session limit is reached"
            }
        }
    }

    package func create(pagePath: String) throws(CreateError) -> Session {
        let session = Session(
            id: SessionID.make(), pagePath: pagePath, configuration: configuration, log: log,
            onClose: { [weak self] closed in self?.remove(closed) })
        let added = sessions.write { sessions -> Bool in
            guard sessions.count < configuration.maxSessions else { return false }
            sessions[session.id] = session
            return true
        }
        guard added else { throw .tooManySessions(limit: configuration.maxSessions) }
        return session
    }

    public func session(_ id: String) -> Session? { sessions.read { $0[id] } }

    /// Open sessions, in no particular order.
    public var all: [Session] { sessions.read { Array($0.values) } }

    public var count: Int { sessions.read { $0.count } }

    private func remove(_ session: Session) {
        sessions.write { sessions in
            if sessions[session.id] === session { sessions[session.id] = nil }
        }
    }

    func notePoll() {
        lastPollNanos.store(Int64((ContinuousClock.now - startedAt).microseconds * 1000), ordering: .relaxed)
    }

    /// A page's poll starts and ends being held (counted for `idleSeconds`).
    func heldPollBegan() {
        notePoll()
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

    /// Seconds since any page last polled, nil when none has.
    public var secondsSinceLastPoll: Double? {
        let nanos = lastPollNanos.load(ordering: .relaxed)
        guard nanos >= 0 else { return nil }
        return max(0, (ContinuousClock.now - startedAt).secondsValue - Double(nanos) / 1e9)
    }

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
