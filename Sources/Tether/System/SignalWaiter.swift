#if canImport(Glibc)
import Glibc
#endif

/// Receives SIGTERM, SIGINT and SIGHUP synchronously with `sigwait`, on the thread that asks.
/// `block()` must run before any other thread starts, so every thread inherits the mask
/// and no handler runs at an arbitrary point.
public struct SignalWaiter: Sendable {
    public enum Signal: Sendable, Equatable {
        case terminate(Int32)
        case reload
    }

    private let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    public init() {}

    public func block() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until one of the signals arrives.
    public func wait() -> Signal {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        while true {
            var received: Int32 = 0
            if sigwait(&set, &received) == 0 {
                return received == SIGHUP ? .reload : .terminate(received)
            }
        }
    }
}
