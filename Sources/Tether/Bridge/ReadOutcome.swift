import Dispatch
import Synchronization
import TetherHTTP
import TetherSupport

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

/// The held `next` poll of a session. A newer poll, a queued command, the hold's end or the
/// session closing wakes it, once; whoever holds it then takes the outcome with `endPoll`.
package final class PollWaiter: Sendable {
    let superseded = Atomic<Bool>(false)
    private let woken = Atomic<Bool>(false)
    private let onWake: @Sendable (PollWaiter) -> Void

    init(onWake: @escaping @Sendable (PollWaiter) -> Void) {
        self.onWake = onWake
    }

    /// Runs the wake-up on this thread, the first time only. Never called under the session's lock.
    package func wake() {
        if !woken.exchange(true, ordering: .acquiringAndReleasing) { onWake(self) }
    }
}
