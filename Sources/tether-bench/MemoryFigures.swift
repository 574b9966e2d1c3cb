import TetherBridge

/// Figure 7: RSS of tetherd (a child, its default limits) with 0, 1, 100 and 1000 open pages;
/// 10 s after they leave (unload) and after they vanish mid-poll (closed on the lost poll);
/// and its growth over 10 000 evaluations after warm-up.
enum MemoryFigures {
    static let megabyte = 1_048_576.0

    static func run(tetherd: String, www: String, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        let server = try ServerProcess(tetherd: tetherd, www: www)
        defer { server.stop() }
        Progress.say("figure 7: memory (\(server.label))")
        var pools: [PagePool] = []
        defer { for pool in pools { pool.vanish() } }
        Clock.sleep(seconds: 1)
        var open = 0
        var baseline = 0.0
        for target in options.pageSteps {
            if target > open {
                do {
                    let pool = try PagePool(port: server.port, count: target - open)
                    pool.start()
                    pools.append(pool)
                } catch { throw BenchError("memory figure: opening pages \(open + 1)–\(target): \(error)") }
                open = target
                Clock.sleep(seconds: 1)  // every page has polled and is held
            }
            guard server.sessionCount() == open else { throw BenchError("memory figure: the server does not have \(open) sessions") }
            let (rss, summary) = try measure(server)
            if open == 0 { baseline = rss }
            report.set("rss.\(open)", rss)
            var remark = details(server)
            if open > 0 { remark = "\(Format.fixed((rss - baseline) / Double(open) / 1024, 1)) KB per page; " + remark }
            report.add(Figure("7", "RSS, \(open) open page\(open == 1 ? "" : "s")", unit: "MB", summary: summary, result: rss / megabyte,
                              resultUnit: "MB", remark: remark))
        }
        for pool in pools where pool.failures.load(ordering: .relaxed) > 0 {
            throw BenchError("memory figure: \(pool.failures.load(ordering: .relaxed)) pages lost their poll")
        }

        // The pages leave: each unloads (a closed tab's beacon).
        var refused = 0
        for pool in pools { refused += pool.leave() }
        pools = []
        if refused > 0 { throw BenchError("memory figure: \(refused) unloads were not answered 204") }
        guard server.waitForNoSessions(timeout: 10) != nil else { throw BenchError("memory figure: sessions left after unload") }
        Clock.sleep(seconds: options.settleSeconds)
        let (afterUnload, unloadSummary) = try measure(server)
        report.set("rss.afterUnload", afterUnload)
        report.add(Figure("7", "RSS \(Int(options.settleSeconds)) s after \(open) pages unloaded", unit: "MB", summary: unloadSummary,
                          result: afterUnload / megabyte, resultUnit: "MB",
                          remark: "\(signedPercent(afterUnload, baseline)) vs 0 pages; \(details(server))"))

        // The pages vanish: connections cut, no unload; the sweeper closes them.
        let count = options.pageSteps.max() ?? 0
        do {
            let pool = try PagePool(port: server.port, count: count)
            pool.start()
            pools.append(pool)
        } catch { throw BenchError("memory figure: reopening \(count) pages: \(error)") }
        Clock.sleep(seconds: 1)
        for pool in pools { pool.vanish() }
        pools = []
        // Cut mid-poll, each is closed within the lost-poll grace; the poll gap is the fallback.
        let defaults = BridgeConfiguration()
        let limit = defaults.pollGapTimeout.secondsValue + defaults.sweepInterval.secondsValue + 10
        guard let expiry = server.waitForNoSessions(timeout: limit) else {
            throw BenchError("memory figure: vanished pages did not expire within \(Int(limit)) s")
        }
        Clock.sleep(seconds: options.settleSeconds)
        let (afterExpiry, expirySummary) = try measure(server)
        report.set("rss.afterExpiry", afterExpiry)
        report.add(Figure("7", "RSS \(Int(options.settleSeconds)) s after \(count) pages vanished and expired", unit: "MB",
                          summary: expirySummary, result: afterExpiry / megabyte, resultUnit: "MB",
                          remark: "\(signedPercent(afterExpiry, baseline)) vs 0 pages; all expired \(Format.fixed(expiry, 1)) s after "
                              + "the cut (closed on the lost poll: grace \(Format.short(defaults.lostPollGrace.secondsValue)) s, "
                              + "sweep \(Format.short(defaults.sweepInterval.secondsValue)) s); \(details(server))"))

        try evaluations(server, options, report)
    }

    /// 10 000 `page.eval`s made by the factor demo's handler (`demo(5)` reads `adjust(5)` and
    /// `factor`), answered by a fake page; RSS before and after, after a warm-up.
    private static func evaluations(_ server: ServerProcess, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        let page = try DemoPage.open(port: server.port, path: "/factor.html")
        defer { try? page.unload() }
        let connection = try DemoPage.callConnection(port: server.port)
        let request = DemoPage.call(page, "demo", [.number("5")])
        let expected = Array("{\"value\":\"Factor is 1.3, 2 x result is 13.0\"}".utf8)
        func calls(_ count: Int, record: inout SampleBuffer) throws(BenchError) {
            for _ in 0..<count {
                let sentAt = Clock.nanos()
                guard connection.exchange(request, deadline: sentAt + Clock.nanos(seconds: 10)) else {
                    throw BenchError("evaluation figure: demo(5) got no answer")
                }
                guard connection.status == 200, connection.bodyEquals(expected) else {
                    throw BenchError("evaluation figure: demo(5) answered \(connection.status) \(String(decoding: connection.bodyBytes.prefix(200), as: UTF8.self))")
                }
                record.record(Clock.nanos() - sentAt)
            }
        }
        var ignored = SampleBuffer(expected: 0, limit: 0)
        try calls(options.evaluationWarmUp / 2, record: &ignored)
        Clock.sleep(seconds: 0.5)
        let (before, _) = try measure(server)
        var latencies = SampleBuffer(expected: options.evaluations / 2)
        try calls(options.evaluations / 2, record: &latencies)
        Clock.sleep(seconds: 0.5)
        let (after, _) = try measure(server)
        let perEvaluation = (after - before) / Double(options.evaluations)
        report.set("eval.bytesPer", perEvaluation)
        report.add(Figure("7", "RSS growth over \(options.evaluations) evaluations (demo(5): 2 evals/call)", unit: "µs/call",
                          summary: Summary(nanos: latencies.values, per: 1000), result: perEvaluation, resultUnit: "bytes/eval",
                          remark: "\(Format.fixed(before / megabyte, 2)) → \(Format.fixed(after / megabyte, 2)) MB"))
    }

    /// The median of a few RSS readings, in bytes, and the readings (MB).
    private static func measure(_ server: ServerProcess) throws(BenchError) -> (Double, Summary) {
        guard let summary = server.rss() else { throw BenchError("memory figure: cannot read /proc/\(server.pid)/statm") }
        return (summary.median * megabyte, summary)
    }

    /// What the RSS is made of: anonymous memory (heap, stacks) and the threads.
    private static func details(_ server: ServerProcess) -> String {
        let anon = ProcFS.status(server.pid, "RssAnon").map { "anon \(Format.fixed(Double($0) / 1024, 1)) MB" } ?? ""
        let threads = ProcFS.status(server.pid, "Threads").map { ", \($0) threads" } ?? ""
        return anon + threads
    }

    static func signedPercent(_ value: Double, _ base: Double) -> String {
        guard base > 0 else { return "?" }
        let percent = 100 * (value - base) / base
        return (percent >= 0 ? "+" : "") + Format.fixed(percent, 1) + " %"
    }
}
