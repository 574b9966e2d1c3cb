import Dispatch
import Synchronization
import TetherHTTP

/// How a read of a JavaScript value ended.
public enum ReadOutcome: Sendable, Equatable {
    case value(JSONValue)
    /// The page's evaluation threw; the message is the browser's.
    case exception(String)
    case timedOut
    case closed
}

/// One waiting read: the thread that asked blocks on it until the page answers.
final class ReadSlot: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let outcome = Mutex<ReadOutcome?>(nil)

    func fulfil(_ value: ReadOutcome) {
        let first = outcome.withLock { current -> Bool in
            guard current == nil else { return false }
            current = value
            return true
        }
        if first { semaphore.signal() }
    }

    func wait(timeout: Duration) -> ReadOutcome? {
        _ = semaphore.wait(timeout: .now() + timeout.dispatchInterval)
        return outcome.withLock { $0 }
    }
}

/// The held `next` poll of a session. A newer poll or a queued command wakes it.
final class PollWaiter: Sendable {
    let semaphore = DispatchSemaphore(value: 0)
    let superseded = Atomic<Bool>(false)
}
