import Dispatch
import Synchronization
import TetherSupport

/// The threads that run handlers and app code: `minimum` always, more (up to `maximum`) while
/// every thread is busy and work waits, so a few handlers that block (a slow app, `page.eval`)
/// do not stall the rest. A thread above the minimum ends after `idleExit` without work.
final class WorkerPool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct State {
        /// Jobs in order; a taken one is set to nil at once, so nothing it captured outlives it.
        var queue: [Job?] = []
        var head = 0
        var threads = 0
        var idle = 0
        var stopping = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let minimum: Int
    private let maximum: Int
    private let stackBytes: Int
    private let idleExit: Duration

    init(minimum: Int, maximum: Int, stackBytes: Int, idleExit: Duration = .seconds(10)) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        self.stackBytes = stackBytes
        self.idleExit = idleExit
    }

    /// Threads running now.
    var threadCount: Int { state.withLock { $0.threads } }

    func start() {
        for _ in 0..<minimum { spawn() }
    }

    /// Queues `job`; it runs on a worker thread, in order of submission.
    func submit(_ job: @escaping Job) {
        let grow = state.withLock { state -> Bool in
            state.queue.append(job)
            let waiting = state.queue.count - state.head
            guard waiting > state.idle, state.threads < maximum, !state.stopping else { return false }
            state.threads += 1
            return true
        }
        if grow { startThread() }
        available.signal()
    }

    /// Lets every thread end once the queue is empty.
    func stop() {
        let threads = state.withLock { state -> Int in
            state.stopping = true
            return state.threads
        }
        for _ in 0..<threads { available.signal() }
    }

    private func spawn() {
        state.withLock { $0.threads += 1 }
        startThread()
    }

    private func startThread() {
        let started = PosixThread.start(stackBytes: stackBytes) { [self] in work() }
        if !started { state.withLock { $0.threads -= 1 } }
    }

    private func work() {
        while true {
            state.withLock { $0.idle += 1 }
            let timedOut = available.wait(timeout: .now() + idleExit.dispatchInterval) == .timedOut
            let next = state.withLock { state -> (job: Job?, exit: Bool) in
                state.idle -= 1
                if state.head < state.queue.count {
                    let job = state.queue[state.head]
                    state.queue[state.head] = nil
                    state.head += 1
                    if state.head == state.queue.count {
                        state.queue.removeAll(keepingCapacity: true)
                        state.head = 0
                    } else if state.head > 64 && state.head * 2 > state.queue.count {
                        state.queue.removeFirst(state.head)
                        state.head = 0
                    }
                    return (job, false)
                }
                if state.stopping || (timedOut && state.threads > minimum) {
                    state.threads -= 1
                    return (nil, true)
                }
                return (nil, false)
            }
            if let job = next.job { job() }
            if next.exit { return }
        }
    }
}
