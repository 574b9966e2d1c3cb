#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The lock that makes one page's app single-threaded: calls, property access and `main`
/// all run holding it. It knows its owner, so `page.sleep` can let go of it while it waits
/// and a handler reading the app through `page.withApp` does not deadlock on itself.
final class OwnedLock: @unchecked Sendable {
    // `@unchecked`: the pthread mutex is the synchronisation; `owner` is atomic.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let owner = Atomic<UInt>(0)

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    var isHeldByCurrentThread: Bool { owner.load(ordering: .relaxed) == UInt(pthread_self()) }

    func lock() {
        pthread_mutex_lock(mutex)
        owner.store(UInt(pthread_self()), ordering: .relaxed)
    }

    func unlock() {
        owner.store(0, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
    }

    /// Runs `body` holding the lock (re-entrant for the thread that already holds it).
    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        if isHeldByCurrentThread { return try body() }
        lock()
        defer { unlock() }
        return try body()
    }

    /// Runs `body` without the lock if this thread holds it, and takes it back after.
    func whileReleased<Result>(_ body: () -> Result) -> Result {
        guard isHeldByCurrentThread else { return body() }
        unlock()
        defer { lock() }
        return body()
    }
}
