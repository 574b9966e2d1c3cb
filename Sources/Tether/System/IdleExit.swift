#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Tether

/// `tetherd --exit-when-idle SECONDS`: once no page has polled for that long (the last window
/// closed), the daemon stops as it does on SIGTERM. Checks a few times a second; idle CPU stays nil.
enum IdleExit {
    static func watch(_ server: Server, after limit: Duration, log: Log) {
        let seconds = limit.secondsValue
        let interval = DispatchTimeInterval.milliseconds(max(50, min(1000, Int(seconds * 250))))
        PosixThread.start(stackBytes: 64 * 1024) {
            let pause = DispatchSemaphore(value: 0)
            while true {
                _ = pause.wait(timeout: .now() + interval)
                guard let idle = server.bridge?.registry.idleSeconds else { continue }
                if idle >= seconds {
                    log.info("no page has polled for \(Int(idle.rounded())) s (--exit-when-idle): stopping")
                    kill(getpid(), SIGTERM)  // the main thread's sigwait stops the server
                    return
                }
            }
        }
    }
}
