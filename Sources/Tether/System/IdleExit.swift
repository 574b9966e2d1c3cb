#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Tether
import TetherSupport

/// `--exit-when-idle SECONDS`: once no page's poll has arrived for that long (the last window
/// closed, was killed, or never opened), the daemon stops as it does on SIGTERM. The daemon
/// holds polls for at most half the limit, so a live page always asks again in time.
/// Checks a few times a second; idle CPU stays nil.
enum IdleExit {
    /// The poll hold that keeps a live page from looking idle: at most half the limit.
    static func pollHold(_ hold: Duration, limit: Duration) -> Duration { min(hold, limit / 2) }

    static func watch(_ server: Server, after limit: Duration, log: Log) {
        let seconds = limit.secondsValue
        let interval = DispatchTimeInterval.milliseconds(max(50, min(1000, Int(seconds * 250))))
        PosixThread.start(stackBytes: 64 * 1024) {
            let pause = DispatchSemaphore(value: 0)
            while true {
                _ = pause.wait(timeout: .now() + interval)
                guard let idle = server.health?.secondsSinceAPollArrived else { continue }
                if idle >= seconds {
                    log.info("no page has polled for \(Int(idle.rounded())) s (--exit-when-idle): stopping")
                    kill(getpid(), SIGTERM)  // the main thread's sigwait stops the server
                    return
                }
            }
        }
    }
}
