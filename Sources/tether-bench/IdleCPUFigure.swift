/// Figure 6: CPU of the server process while 10 pages sit open, each holding its poll.
enum IdleCPUFigure {
    static func run(tetherd: String, www: String, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        let server = try ServerProcess(tetherd: tetherd, www: www)
        defer { server.stop() }
        Progress.say("figure 6: idle CPU with 10 open pages over \(Int(options.idleSeconds)) s (\(server.label))")
        let pool: PagePool
        do { pool = try PagePool(port: server.port, count: 10) } catch { throw BenchError("idle figure: \(error)") }
        pool.start()
        defer { pool.leave() }
        Clock.sleep(seconds: 1)  // the loads and first polls are done

        let pid = server.pid
        guard let ticksBefore = ProcFS.cpuTicks(pid), var nanosBefore = ProcFS.threadCPUNanos(pid) else {
            throw BenchError("idle figure: cannot read /proc/\(pid)")
        }
        let started = Clock.nanos()
        let firstNanos = nanosBefore
        var windows: [Double] = []
        var previous = started
        for _ in 0..<Int(options.idleSeconds.rounded(.up)) {
            Clock.sleep(seconds: 1)
            let now = Clock.nanos()
            guard let nanos = ProcFS.threadCPUNanos(pid) else { break }
            windows.append(100 * Double(max(0, nanos - nanosBefore)) / Double(now - previous))
            nanosBefore = nanos
            previous = now
        }
        let elapsed = Double(Clock.nanos() - started) / 1e9
        guard let ticksAfter = ProcFS.cpuTicks(pid), let nanosAfter = ProcFS.threadCPUNanos(pid) else {
            throw BenchError("idle figure: cannot read /proc/\(pid)")
        }
        let tickPercent = 100 * Double(ticksAfter - ticksBefore) / ProcFS.ticksPerSecond / elapsed
        let nanoPercent = 100 * Double(max(0, nanosAfter - firstNanos)) / 1e9 / elapsed
        if pool.failures.load(ordering: .relaxed) > 0 { throw BenchError("idle figure: a page's poll failed") }
        report.set("idle.cpuPercent", tickPercent)
        report.set("idle.cpuPercentFine", nanoPercent)
        report.add(Figure("6", "idle CPU, 10 open pages, \(Int(elapsed.rounded())) s (\(server.label))", unit: "% core",
                          summary: Summary(windows), result: tickPercent, resultUnit: "% of a core",
                          remark: "/proc/PID/stat: \(ticksAfter - ticksBefore) ticks of 10 ms; thread schedstat: "
                              + "\(Format.fixed(Double(nanosAfter - firstNanos) / 1e6, 2)) ms = \(Format.short(nanoPercent)) %"))
    }
}
