#if canImport(Glibc)
import Glibc
#endif

/// Monotonic nanoseconds (`CLOCK_MONOTONIC`, a vDSO call): the one clock of every timing here.
enum Clock {
    static func nanos() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    static func nanos(seconds: Double) -> Int64 { Int64(seconds * 1e9) }

    /// Sleeps at least `seconds` (resumes after a signal).
    static func sleep(seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        for _ in 0..<1000 {
            if nanosleep(&request, &remaining) == 0 { return }
            guard errno == EINTR else { return }
            request = remaining
        }
    }
}
