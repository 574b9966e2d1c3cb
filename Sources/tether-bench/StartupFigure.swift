#if canImport(Glibc)
import Glibc
#endif

/// Figure 8: from `posix_spawn` of tetherd to its socket answering `GET /_health`.
enum StartupFigure {
    static func run(tetherd: String, www: String, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        Progress.say("figure 8: tetherd start → accepting (\(options.startRuns) starts)")
        var accepting: [Double] = []
        var startRSS: [Double] = []
        for _ in 0..<options.startRuns {
            let child: ChildProcess
            do { child = try ChildProcess(tetherd, ["--port", "0", "--www", www]) } catch { throw BenchError("figure 8: \(error)") }
            defer { child.stop(terminate: true) }
            guard let line = child.waitForLine(containing: "listening on http://", timeout: 10), let colon = line.lastIndex(of: ":"),
                  let port = Int(line[line.index(after: colon)...].prefix { $0.isNumber }) else {
                throw BenchError("figure 8: tetherd did not report its port: \(child.outputText.suffix(300))")
            }
            // The socket has listened since before that line: the first request proves it accepts.
            guard DemoPage.get(port: port, "/_health")?.status == 200 else {
                throw BenchError("figure 8: tetherd on port \(port) did not answer /_health")
            }
            accepting.append(Double(Clock.nanos() - child.startedAt) / 1e6)
            if let rss = ProcFS.rss(child.pid) { startRSS.append(Double(rss) / MemoryFigures.megabyte) }
            Clock.sleep(seconds: 0.05)
        }
        let summary = Summary(accepting)
        if let summary { report.set("start.p50ms", summary.median) }
        report.add(Figure("8", "tetherd start → first /_health answered", unit: "ms", summary: summary,
                          result: summary?.median, resultUnit: "ms median",
                          remark: Summary(startRSS).map { "RSS just after start \(Format.fixed($0.median, 1)) MB" } ?? ""))
    }
}
