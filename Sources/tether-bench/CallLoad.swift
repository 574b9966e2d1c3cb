#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TetherBridge
import TetherClient
import TetherSupport

/// One client of a throughput run: its connection, the request it repeats and the reply it
/// expects. With a tracker, a call is done only when the page has received its write.
final class CallClient: @unchecked Sendable {
    // `@unchecked`: `connection` is used by the one thread that runs this client.
    let connection: ClientConnection
    let request: [UInt8]
    let expected: [UInt8]
    let tracker: DeliveryTracker?
    /// Wait for each call's write to reach the page before the next call.
    let waitForDelivery: Bool
    /// Set for inline calls: the request for the page's current ack; the reply's `commands`
    /// are the writes, handed to the tracker as the page script would run them.
    let inlineRequest: (@Sendable (Int) -> [UInt8])?

    init(connection: ClientConnection, request: [UInt8], expected: [UInt8], tracker: DeliveryTracker? = nil,
         waitForDelivery: Bool = false, inlineRequest: (@Sendable (Int) -> [UInt8])? = nil) {
        self.connection = connection
        self.request = request
        self.expected = expected
        self.tracker = tracker
        self.waitForDelivery = waitForDelivery
        self.inlineRequest = inlineRequest
    }
}

/// What a run measured: calls done inside the window, their latencies, failures.
struct CallLoadResult {
    var completed = 0
    var seconds = 0.0
    var latencies: [Int64] = []
    var errors = 0
    var firstError: String?
    var rate: Double { seconds > 0 ? Double(completed) / seconds : 0 }
}

/// N client threads, each making calls back to back on its keep-alive connection: a warm-up,
/// then a measured window. A call counts when it completes inside the window.
enum CallLoad {
    static let maxCallsPerClient = 5_000_000

    static func run(_ clients: [CallClient], warmUp: Double, seconds: Double) -> CallLoadResult {
        let windowStart = Clock.nanos() + Clock.nanos(seconds: warmUp)
        let windowEnd = windowStart + Clock.nanos(seconds: seconds)
        for client in clients { client.tracker?.setWindow(start: windowStart, end: windowEnd) }
        let results = Mutex<[CallLoadResult]>([])
        let done = DispatchSemaphore(value: 0)
        var started = 0
        for client in clients {
            let ok = PosixThread.start(stackBytes: 256 * 1024) {
                let result = runClient(client, windowStart: windowStart, windowEnd: windowEnd)
                results.withLock { $0.append(result) }
                done.signal()
            }
            if ok { started += 1 }
        }
        var total = CallLoadResult()
        let joinDeadline = DispatchTime.now() + .seconds(Int(warmUp + seconds) + 30)
        for _ in 0..<started where done.wait(timeout: joinDeadline) == .timedOut {
            total.errors += 1
            total.firstError = total.firstError ?? "a client thread did not finish in time"
            break
        }
        if started < clients.count {
            total.errors += 1
            total.firstError = "could not start \(clients.count - started) client threads"
        }
        // The window's deliveries have all been recorded by now or will not count.
        for client in clients { client.tracker?.waitUntilCaughtUp(timeout: 2) }
        total.seconds = Double(windowEnd - windowStart) / 1e9
        for result in results.withLock({ $0 }) {
            total.completed += result.completed
            total.latencies += result.latencies
            total.errors += result.errors
            if total.firstError == nil { total.firstError = result.firstError }
        }
        for client in clients {
            guard let tracker = client.tracker else { continue }
            let delivered = tracker.takeWindow()
            total.completed += delivered.count
            total.latencies += delivered.latencies
        }
        return total
    }

    private static func runClient(_ client: CallClient, windowStart: Int64, windowEnd: Int64) -> CallLoadResult {
        var result = CallLoadResult()
        var samples = SampleBuffer(expected: client.tracker == nil ? 200_000 : 0)
        let connection = client.connection
        var ack = 0
        for index in 0..<maxCallsPerClient {
            let sentAt = Clock.nanos()
            if sentAt >= windowEnd { break }
            if let tracker = client.tracker, !tracker.noteSend(at: sentAt) { break }
            let request = client.inlineRequest.map { $0(ack) } ?? client.request
            guard connection.exchange(request, deadline: sentAt + Clock.nanos(seconds: 10)) else {
                result.errors += 1
                result.firstError = "a call got no response (connection closed or timed out)"
                break
            }
            let doneAt = Clock.nanos()
            if client.inlineRequest != nil, connection.status == 200, connection.bodyStarts(with: client.expected) {
                for command in (try? ProtocolCodec.decodeCallReply(connection.bodyBytes))?.commands ?? [] {
                    client.tracker?.observe(command, at: doneAt)
                    ack = max(ack, command.seq)
                }
            } else if !(connection.status == 200 && connection.bodyEquals(client.expected)) {
                result.errors += 1
                if result.firstError == nil {
                    result.firstError = "a call was answered \(connection.status): \(String(decoding: connection.bodyBytes.prefix(200), as: UTF8.self))"
                }
                if result.errors > 100 { break }
                continue
            }
            if client.tracker == nil, doneAt >= windowStart, doneAt < windowEnd {
                result.completed += 1
                samples.record(doneAt - sentAt)
            }
            if client.waitForDelivery, let tracker = client.tracker,
               !tracker.waitDelivered(index + 1, deadline: doneAt + Clock.nanos(seconds: 5)) {
                result.errors += 1
                result.firstError = "the page did not receive the write of call \(index + 1) within 5 s"
                break
            }
        }
        result.latencies = samples.values
        return result
    }
}

/// Times each `increment()` from its call to the page receiving its write
/// (`document.getElementById("count").innerHTML=k` for the k-th call of a fresh page).
final class DeliveryTracker: @unchecked Sendable {
    // `@unchecked`: `sendTimes[k]` is written by the calling thread before it publishes
    // `sent = k + 1` (release), and read by the poll thread only below `sent` (acquire).
    private let sendTimes: UnsafeMutablePointer<Int64>
    private let capacity: Int
    private let sent = Atomic<Int>(0)
    private let delivered = Atomic<Int>(0)
    private let windowStart = Atomic<Int64>(Int64.max)
    private let windowEnd = Atomic<Int64>(Int64.max)
    private let inWindow = Mutex<(count: Int, latencies: SampleBuffer)>((0, SampleBuffer(expected: 100_000)))
    private let waiting = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    static let statementPrefix = "document.getElementById(\"count\").innerHTML="

    init(capacity: Int = 4_000_000) {
        self.capacity = capacity
        sendTimes = .allocate(capacity: capacity)
    }

    deinit { sendTimes.deallocate() }

    func setWindow(start: Int64, end: Int64) {
        windowStart.store(start, ordering: .relaxed)
        windowEnd.store(end, ordering: .releasing)
    }

    /// Calls sent so far.
    var sentCount: Int { sent.load(ordering: .acquiring) }

    /// The caller is about to send its next call; false when no more can be tracked.
    func noteSend(at time: Int64) -> Bool {
        let index = sent.load(ordering: .relaxed)
        guard index < capacity else { return false }
        sendTimes[index] = time
        sent.store(index + 1, ordering: .releasing)
        return true
    }

    /// The page's poll thread saw a statement: if it is the count, the calls up to it are done.
    func observe(_ command: PageCommand, at time: Int64) {
        let code = command.code
        guard code.hasPrefix(Self.statementPrefix), let count = Int(code.dropFirst(Self.statementPrefix.count)) else { return }
        let known = sent.load(ordering: .acquiring)
        let from = delivered.load(ordering: .relaxed)
        let upTo = min(count, known)
        guard upTo > from else { return }
        let start = windowStart.load(ordering: .relaxed)
        let end = windowEnd.load(ordering: .acquiring)
        if time >= start && time < end {
            inWindow.withLock { window in
                for k in (from + 1)...upTo {
                    window.count += 1
                    window.latencies.record(time - sendTimes[k - 1])
                }
            }
        }
        delivered.store(upTo, ordering: .releasing)
        if waiting.exchange(false, ordering: .acquiringAndReleasing) { wake.signal() }
    }

    /// Blocks until call `k`'s write has reached the page, or the deadline.
    func waitDelivered(_ k: Int, deadline: Int64) -> Bool {
        for _ in 0..<100_000 {
            if delivered.load(ordering: .acquiring) >= k { return true }
            waiting.store(true, ordering: .releasing)
            if delivered.load(ordering: .acquiring) >= k { return true }
            let left = deadline - Clock.nanos()
            if left <= 0 { return false }
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(left, 100_000_000))))
        }
        return false
    }

    /// Waits until every call sent has been delivered (bounded).
    func waitUntilCaughtUp(timeout: Double) {
        let deadline = Clock.nanos() + Clock.nanos(seconds: timeout)
        _ = waitDelivered(sent.load(ordering: .acquiring), deadline: deadline)
    }

    func takeWindow() -> (count: Int, latencies: [Int64]) {
        inWindow.withLock { ($0.count, $0.latencies.values) }
    }
}
