import TetherClient

/// 5,000 open pages (1,000 with `--quick`), each holding its poll on its own keep-alive
/// connection, on tetherd with room for them (`--max-sessions`): its RSS and threads, and push
/// latency to one of them meanwhile — `increment()` on that page until its poll has the write
/// (the write goes out through the held poll, as every push does).
enum ManyPagesFigure {
    static func run(tetherd: String, www: String, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        let count = options.manyPages
        // A poll connection a page stays well inside tetherd's 16,384 connections.
        let server = try ServerProcess(tetherd: tetherd, www: www, ["--max-sessions", String(count + 100)])
        defer { server.stop() }
        Progress.say("pages: \(Format.grouped(Double(count))) pages, each holding a poll (\(server.label))")
        Clock.sleep(seconds: 0.5)
        guard let rssBefore = server.rss(readings: 3)?.median else { throw BenchError("many pages: cannot read /proc/\(server.pid)") }

        // The page that is pushed to, and count - 1 others held by one thread.
        let tracker = DeliveryTracker()
        let page = try DemoPage.open(port: server.port) { command, time in tracker.observe(command, at: time) }
        defer { page.vanish() }
        let pool: PagePool
        do { pool = try PagePool(port: server.port, count: count - 1) } catch { throw BenchError("many pages: opening \(count - 1) pages: \(error)") }
        pool.start()
        defer { pool.vanish() }

        // A session opens at the page load or at its first poll, depending on the version:
        // wait until the server has them all, then let the last polls be held.
        let opened = waitForSessions(server, count, timeout: 60)
        guard opened == count else { throw BenchError("many pages: the server has \(opened.map(String.init) ?? "?") sessions, not \(count)") }
        Clock.sleep(seconds: options.quick ? 0.5 : 1)
        guard let rss = server.rss()?.median, let threads = ProcFS.status(server.pid, "Threads") else {
            throw BenchError("many pages: cannot read /proc/\(server.pid)")
        }

        let client = CallClient(connection: try DemoPage.callConnection(port: server.port), request: DemoPage.call(page, "increment"),
                                expected: CallFigures.incrementReply, tracker: tracker, waitForDelivery: true)
        let result = CallLoad.run([client], warmUp: options.warmUpSeconds, seconds: options.runSeconds)
        if result.errors > 0 { throw BenchError("many pages: \(result.errors) failed pushes; first: \(result.firstError ?? "?")") }
        if let failure = page.failure { throw BenchError("many pages: the measured page's poll failed: \(failure)") }
        let lost = pool.failures.load(ordering: .relaxed)
        if lost > 0 { throw BenchError("many pages: \(lost) pages lost their poll") }
        guard server.sessionCount() == count else { throw BenchError("many pages: sessions were lost during the run") }

        let push = Summary(nanos: result.latencies, per: 1000)
        report.set("pages.count", Double(count))
        if let push { report.set("pages.\(count).push.p50us", push.median) }
        report.set("pages.\(count).rss", rss * MemoryFigures.megabyte)
        let perPage = (rss - rssBefore) * 1024 / Double(count)
        report.add(Figure("pages", "\(Format.grouped(Double(count))) pages holding polls: RSS (\(server.label))", result: rss,
                          resultUnit: "MB", remark: "\(Format.fixed(rssBefore, 1)) MB before, \(Format.fixed(perPage, 1)) KB a page; "
                              + "\(threads) threads"))
        report.add(Figure("pages", "\(Format.grouped(Double(count))) pages holding polls: push, increment() on one → its poll has the write",
                          unit: "µs", summary: push, result: push?.median, resultUnit: "µs median",
                          remark: "one page at a time, the next call after the write arrived"))
    }

    /// The session count once it reaches `count` or stops growing until `timeout`.
    private static func waitForSessions(_ server: ServerProcess, _ count: Int, timeout: Double) -> Int? {
        let deadline = Clock.nanos() + Clock.nanos(seconds: timeout)
        var seen: Int?
        for _ in 0..<100_000 {
            seen = server.sessionCount()
            if seen == count || Clock.nanos() > deadline { return seen }
            Clock.sleep(seconds: 0.05)
        }
        return seen
    }
}
