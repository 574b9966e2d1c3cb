import Synchronization

/// Pages' first `next` polls, each waiting for a worker to open its session (which makes the
/// app, app code that does not belong on the I/O thread). When another request of the same
/// page opens the session first, the thread that opened it takes the poll up at once: a call
/// blocked in `page.eval` must not wait for its answer behind itself in the worker queue.
final class FirstPolls: Sendable {
    /// One waiting poll; it runs once, on whichever thread takes it first.
    final class Pending: Sendable {
        private let body: @Sendable () -> Void
        private let taken = Atomic<Bool>(false)

        init(_ body: @escaping @Sendable () -> Void) { self.body = body }

        func take() {
            if !taken.exchange(true, ordering: .acquiringAndReleasing) { body() }
        }
    }

    private let waiting = Mutex<[String: [Pending]]>([:])

    func add(_ pending: Pending, for id: String) {
        waiting.withLock { $0[id, default: []].append(pending) }
    }

    /// Takes `pending` up on this thread (unless it ran already).
    func take(_ pending: Pending, for id: String) {
        waiting.withLock { waiting in
            waiting[id]?.removeAll { $0 === pending }
            if waiting[id]?.isEmpty == true { waiting[id] = nil }
        }
        pending.take()
    }

    /// The session `id` is open: its waiting first polls run now, on this thread (they hold it
    /// only to park, since the session exists).
    func sessionOpened(_ id: String) {
        let pending = waiting.withLock { $0.removeValue(forKey: id) } ?? []
        for poll in pending { poll.take() }
    }
}
