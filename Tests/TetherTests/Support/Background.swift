import Dispatch
import Synchronization

/// Work started on another thread whose result a test waits for: a held poll, a blocking read.
final class Background<Value: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let value = Mutex<Value?>(nil)

    init(_ body: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async { [self] in
            value.withLock { $0 = body() }
            done.signal()
        }
    }

    /// The value once the work has finished, nil if it has not within `timeout` seconds.
    func result(timeout: Double = 5) -> Value? {
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        done.signal()  // later calls see it too
        return value.withLock { $0 }
    }
}
