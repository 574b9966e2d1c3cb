#if canImport(Glibc)
import Glibc
#endif

/// A value behind a reader-writer lock (`pthread_rwlock_t`). The session registry is read by
/// every request and written only when a page opens or closes: readers share the lock instead
/// of queueing on one mutex (which, with many connection threads on few cores, they spun on).
final class ReadWriteLock<Value: Sendable>: @unchecked Sendable {
    // `@unchecked`: `value` is read only under the read lock and changed only under the write lock.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deinitialize(count: 1)
        lock.deallocate()
    }

    func read<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    func write<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }
}
