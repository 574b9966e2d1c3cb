#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Tether
import TetherClient

/// Figures 3 and 4 on one open page: a Swift-side write (`page.js.factor = i`) until the fake
/// browser's poll has read it, and `page.eval(js.factor)` from the call to its answer.
enum PushReadFigures {
    static func run(_ servers: InProcessServers, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        Progress.say("figures 3, 4: push delivery and server read")
        let arrivals = Arrivals()
        let page = try DemoPage.open(port: servers.demoPort) { command, time in arrivals.observe(command, at: time) }
        defer { try? page.unload() }
        // The page's session opens at its first poll, which its poll thread sends right after the load.
        var found = servers.demo.page(id: page.session)
        let deadline = Clock.nanos() + Clock.nanos(seconds: 5)
        while found == nil && Clock.nanos() < deadline {
            Clock.sleep(seconds: 0.001)
            found = servers.demo.page(id: page.session)
        }
        guard let swiftPage = found else { throw BenchError("push figure: the server has no page \(page.session) 5 s after its load") }

        // 3. push delivery
        var pushes = SampleBuffer(expected: options.pushSamples)
        let warmUp = options.pushSamples / 10
        for value in 1...(warmUp + options.pushSamples) {
            // Let the poll that carried the last write be held again, as it is between a page's events.
            Clock.sleep(seconds: 0.0002)
            let sentAt = Clock.nanos()
            swiftPage.js.factor = value
            guard let arrivedAt = arrivals.wait(for: value, timeout: 5) else {
                throw BenchError("push figure: write \(value) did not reach the page within 5 s")
            }
            if value > warmUp { pushes.record(arrivedAt - sentAt) }
        }
        let push = Summary(nanos: pushes.values, per: 1000)
        if let push { report.set("push.p50us", push.median) }
        report.add(Figure("3", "push: Swift `page.js.factor = i` → page has it", unit: "µs", summary: push,
                          result: push?.median, resultUnit: "µs median"))

        // 4. server read
        var reads = SampleBuffer(expected: options.readSamples)
        for index in 0..<(options.readSamples / 10 + options.readSamples) {
            let sentAt = Clock.nanos()
            let value: Double
            do { value = try swiftPage.eval(swiftPage.js.factor, as: Double.self, timeout: .seconds(5)) } catch {
                throw BenchError("read figure: eval failed: \(error)")
            }
            let doneAt = Clock.nanos()
            guard value == 1.3 else { throw BenchError("read figure: eval gave \(value), not 1.3") }
            if index >= options.readSamples / 10 { reads.record(doneAt - sentAt) }
        }
        let read = Summary(nanos: reads.values, per: 1000)
        if let read { report.set("read.p50us", read.median) }
        report.add(Figure("4", "server read: `page.eval(js.factor)` round trip", unit: "µs", summary: read,
                          result: read?.median, resultUnit: "µs median"))
        if let failure = page.failure { throw BenchError("push/read page: \(failure)") }
    }
}

/// The last `factor=N` the page received, and when.
final class Arrivals: Sendable {
    private let last = Mutex<(value: Int, at: Int64)>((0, 0))
    private let arrived = DispatchSemaphore(value: 0)

    func observe(_ command: PageCommand, at time: Int64) {
        let code = command.code
        guard code.hasPrefix("factor="), let value = Int(code.dropFirst(7)) else { return }
        last.withLock { $0 = (value, time) }
        arrived.signal()
    }

    func wait(for value: Int, timeout: Double) -> Int64? {
        let deadline = Clock.nanos() + Clock.nanos(seconds: timeout)
        for _ in 0..<10_000 {
            let seen = last.withLock { $0 }
            if seen.value >= value { return seen.at }
            let left = deadline - Clock.nanos()
            if left <= 0 { return nil }
            _ = arrived.wait(timeout: .now() + .nanoseconds(Int(min(left, 100_000_000))))
        }
        return nil
    }
}
