#if canImport(Glibc)
import Glibc
#endif

/// The watchdog's verdict on its readings of the daemon's vitals: a bad reading stops the
/// pings only once it has lasted `graceNanos` of the watchdog's own running time, so a stall
/// (SIGSTOP, swapping, a suspend) that made the daemon look dead for a moment is forgiven.
struct HealthJudge {
    enum Verdict: Equatable {
        /// Ping. `recovered`: the previous verdict was `.unhealthy`.
        case healthy(recovered: Bool)
        /// Something looks dead, but not for long enough yet: ping.
        case tolerated(String)
        /// Dead for the whole grace: no ping. `firstTime` for the first such verdict in a row.
        case unhealthy(String, firstTime: Bool)
    }

    let tickNanos: UInt64
    let graceNanos: UInt64
    private var lastReadingAt: UInt64?
    private var badSince: UInt64?
    private var reportedUnhealthy = false

    init(tickNanos: UInt64, graceNanos: UInt64) {
        self.tickNanos = tickNanos
        self.graceNanos = graceNanos
    }

    /// `problem`: what looks dead now, nil when all is well; `now`: `MonotonicClock.nanoseconds()`.
    mutating func read(_ problem: String?, at now: UInt64) -> Verdict {
        // A reading two ticks late means this thread was not running either; the time before
        // it says nothing about the others, so the grace starts again.
        let stalled = lastReadingAt.map { now &- $0 > 2 &* tickNanos } ?? false
        lastReadingAt = now
        guard let problem else {
            badSince = nil
            defer { reportedUnhealthy = false }
            return .healthy(recovered: reportedUnhealthy)
        }
        if reportedUnhealthy { return .unhealthy(problem, firstTime: false) }
        if stalled || badSince == nil { badSince = now }
        guard now &- (badSince ?? now) >= graceNanos else { return .tolerated(problem) }
        reportedUnhealthy = true
        return .unhealthy(problem, firstTime: true)
    }
}

/// CLOCK_MONOTONIC, the clock systemd times `WatchdogSec=` with: it stands still while the
/// machine is suspended. Swift's `ContinuousClock` reads CLOCK_BOOTTIME on Linux, which does
/// not, so to it a resume would look like a long hang.
enum MonotonicClock {
    /// Nanoseconds since a fixed point (boot, not counting suspends).
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
