#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Tether
import TetherSupport

/// Why `$WATCHDOG_USEC` or `$WATCHDOG_PID` could not be used.
public struct WatchdogSettingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
}

/// Keeps systemd's picture of tetherd true from one POSIX thread, which sends `WATCHDOG=1`
/// every tenth of `$WATCHDOG_USEC` (1 s of `WatchdogSec=10s`) while tetherd is alive, with
/// `STATUS=` and the open session count (`systemctl status`).
///
/// Alive means: the HTTP accept thread is still in its loop, and the session sweeper thread has
/// made a pass in its last three intervals (each pass takes the session registry's lock, so a
/// deadlock there shows as well). The one thread accepts every connection and the other ends
/// every abandoned page; while both run, tetherd takes connections and serves them.
///
/// A stall is not a death: after a SIGSTOP, heavy swapping or a suspend, the sweeper may look
/// late for a moment. So a bad reading stops the pings only once it has lasted a whole
/// watchdog timeout of the watchdog's own running time (`unhealthyGrace`, on CLOCK_MONOTONIC,
/// restarted when the watchdog itself was stalled), and the pings resume when tetherd recovers.
/// Pinging ten times per timeout lets a stall of up to nine tenths of it pass unpunished.
public final class Watchdog: Sendable {
    /// nil while the server is healthy, else what has died.
    public typealias Vitals = @Sendable () -> String?

    /// STATUS= is refreshed at least this often, also without a watchdog.
    public static let statusInterval: Duration = .seconds(5)
    /// Pings per watchdog timeout.
    public static let pingsPerTimeout = 10

    private let notifier: SystemdNotifier
    private let pingInterval: Duration?
    private let vitals: Vitals
    private let status: @Sendable () -> String
    private let log: Log
    private let stopSignal = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)

    /// `pingInterval` nil: no watchdog for us, only STATUS= updates.
    public init(notifier: SystemdNotifier, pingInterval: Duration?, log: Log,
                vitals: @escaping Vitals, status: @escaping @Sendable () -> String) {
        self.notifier = notifier
        self.pingInterval = pingInterval
        self.vitals = vitals
        self.status = status
        self.log = log
    }

    /// Watches `server`: its accept loop and its sweeper, its session count.
    public convenience init(for server: Server, notifier: SystemdNotifier, pingInterval: Duration?, log: Log) {
        self.init(notifier: notifier, pingInterval: pingInterval, log: log,
                  vitals: { Watchdog.vitals(of: server) }, status: { Watchdog.status(of: server) })
    }

    /// What has died in `server`, nil when both threads that matter are alive.
    public static func vitals(of server: Server) -> String? {
        guard let health = server.health, health.isAccepting else { return "the HTTP accept loop is not running" }
        guard health.isSweeperAlive else { return "the session sweeper is not running" }
        return nil
    }

    /// `serving on port 8080, 2 open sessions`.
    public static func status(of server: Server) -> String {
        let count = server.health?.openSessions ?? 0
        return "serving on port \(server.port), \(count) open session\(count == 1 ? "" : "s")"
    }

    /// How often to ping, from `$WATCHDOG_USEC` and `$WATCHDOG_PID` (both then unset): nil
    /// when systemd runs no watchdog for this process, or (with a warning) when they are garbled.
    public static func pingIntervalFromEnvironment(log: Log) -> Duration? {
        let values = ProcessEnvironment.take(["WATCHDOG_USEC", "WATCHDOG_PID"])
        do {
            return try pingInterval(usec: values["WATCHDOG_USEC"], pid: values["WATCHDOG_PID"], ourPID: getpid())
        } catch {
            log.warning("not pinging the systemd watchdog: \(error.description)")
            return nil
        }
    }

    /// A tenth of the timeout (more often than sd_watchdog_enabled's advice of a half, so a
    /// stall of up to 90% of it is survived); `WATCHDOG_PID`, when set, must be ours (a
    /// variable inherited from a parent's unit is not meant for us).
    static func pingInterval(usec: String?, pid: String?, ourPID: Int32) throws(WatchdogSettingError) -> Duration? {
        guard let usec else { return nil }
        guard let micros = UInt64(usec), micros > 0 else {
            throw WatchdogSettingError(description: "WATCHDOG_USEC='\(usec)' is not a positive number of microseconds")
        }
        if let pid {
            guard let owner = Int32(pid), owner > 0 else {
                throw WatchdogSettingError(description: "WATCHDOG_PID='\(pid)' is not a process id")
            }
            if owner != ourPID { return nil }
        }
        // A floor of 10 ms keeps a nonsense timeout from turning the loop into a busy one.
        return .microseconds(max(Int64(clamping: micros / UInt64(pingsPerTimeout)), 10_000))
    }

    /// How long the vitals must stay bad, in the watchdog's own running time, before the pings
    /// stop: one watchdog timeout (or, without a watchdog, before the log says so).
    var unhealthyGrace: Duration { tick * Self.pingsPerTimeout }

    private var tick: Duration { min(pingInterval ?? Self.statusInterval, Self.statusInterval) }

    /// Starts the thread, which notifies at once and then every interval. False when the system
    /// refused a thread (logged: systemd will then restart us for want of pings).
    @discardableResult
    public func start() -> Bool {
        let tickNanos = tick.clampedNanoseconds
        let graceNanos = unhealthyGrace.clampedNanoseconds
        let started = PosixThread.start(stackBytes: 128 * 1024) { [self] in
            defer { finished.signal() }
            var judge = HealthJudge(tickNanos: tickNanos, graceNanos: graceNanos)
            while true {
                switch judge.read(vitals(), at: MonotonicClock.nanoseconds()) {
                case .healthy(let recovered):
                    if recovered { log.info("tetherd is alive again: pinging the systemd watchdog again") }
                    notifier.notify((pingInterval == nil ? [] : ["WATCHDOG=1"]) + ["STATUS=\(status())"])
                case .tolerated:
                    if pingInterval != nil { notifier.notify(["WATCHDOG=1"]) }
                case .unhealthy(let problem, let firstTime):
                    if firstTime { reportUnhealthy(problem) }  // and no ping, until it recovers
                }
                if stopSignal.wait(timeout: .now() + tick.dispatchInterval) == .success { return }
            }
        }
        if !started {
            finished.signal()
            log.error("cannot start the systemd watchdog thread")
        }
        return started
    }

    /// Ends the thread and waits (briefly) until it has, so no ping follows `STOPPING=1`.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopSignal.signal()
        _ = finished.wait(timeout: .now() + .seconds(2))
    }

    private func reportUnhealthy(_ problem: String) {
        if pingInterval != nil {
            log.error("\(problem): no longer pinging the systemd watchdog, so that systemd restarts tetherd")
        } else {
            log.error("\(problem): tetherd no longer serves; restart it (no systemd watchdog is set to do so)")
        }
        notifier.notify(["STATUS=unhealthy: \(problem)"])
    }
}
