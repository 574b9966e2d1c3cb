#if canImport(Glibc)
import Glibc
#endif
import CEpoll
import Synchronization

/// An epoll instance, an eventfd that wakes it, and a queue of tasks other threads hand to the
/// loop thread. Level-triggered, as NIO's selector: a descriptor that still has bytes (or
/// room) is reported again, so one `recv` per wake-up is enough and nothing is lost.
final class EventLoop: Sendable {
    /// The readiness of one registered descriptor, with the token it was registered with.
    struct Event {
        var token: UInt64
        var events: UInt32
    }

    static let readable = EPOLLIN.rawValue
    static let writable = EPOLLOUT.rawValue
    /// The peer shut its side, or the connection broke: reported even when not asked for.
    static let hangUp = EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue
    /// The token of the eventfd; connection tokens are never 0.
    private static let wakeToken: UInt64 = 0

    private let epoll: Int32
    private let wakeFD: Int32
    private struct Tasks {
        var queue: [@Sendable () -> Void] = []
        /// Set by the first `execute` after a drain: later ones skip the eventfd write (as NIO's `_pendingTaskPop`).
        var wakePending = false
    }
    private let tasks = Mutex(Tasks())

    init() throws(SocketError) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw .system(call: "epoll_create1", errno: errno) }
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard wakeFD >= 0 else {
            let code = errno
            Glibc.close(epoll)
            throw .system(call: "eventfd", errno: code)
        }
        _ = add(wakeFD, events: Self.readable, token: Self.wakeToken)
    }

    deinit {
        Glibc.close(wakeFD)
        Glibc.close(epoll)
    }

    func add(_ fd: Int32, events: UInt32, token: UInt64) -> Bool {
        control(EPOLL_CTL_ADD, fd, events: events, token: token)
    }

    func modify(_ fd: Int32, events: UInt32, token: UInt64) -> Bool {
        control(EPOLL_CTL_MOD, fd, events: events, token: token)
    }

    func remove(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &event)
    }

    private func control(_ operation: Int32, _ fd: Int32, events: UInt32, token: UInt64) -> Bool {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        return epoll_ctl(epoll, operation, fd, &event) == 0
    }

    /// Hands `task` to the loop thread; it runs there on the next turn. Any thread.
    func execute(_ task: @escaping @Sendable () -> Void) {
        let wake = tasks.withLock { tasks -> Bool in
            tasks.queue.append(task)
            if tasks.wakePending { return false }
            tasks.wakePending = true
            return true
        }
        if wake {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// Waits up to `timeoutMilliseconds` (-1: no limit) and returns what is ready, tasks aside.
    func wait(timeoutMilliseconds: Int32, into buffer: inout [epoll_event], ready: inout [Event]) {
        ready.removeAll(keepingCapacity: true)
        let count = buffer.withUnsafeMutableBufferPointer { events in
            epoll_wait(epoll, events.baseAddress, Int32(events.count), timeoutMilliseconds)
        }
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            let event = buffer[index]
            if event.data.u64 == Self.wakeToken {
                var value: UInt64 = 0
                _ = Glibc.read(wakeFD, &value, 8)
                continue
            }
            ready.append(Event(token: event.data.u64, events: event.events))
        }
        // A full batch means more may be waiting: take more next time (NIO grows its array too).
        if Int(count) == buffer.count && buffer.count < 4096 {
            buffer = [epoll_event](repeating: epoll_event(), count: buffer.count * 2)
        }
    }

    /// Runs the tasks queued so far, in order; tasks they queue run on the next turn.
    func runTasks() {
        let batch = tasks.withLock { tasks -> [@Sendable () -> Void] in
            tasks.wakePending = false
            let batch = tasks.queue
            tasks.queue = []
            return batch
        }
        for task in batch { task() }
    }
}
