#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TetherBridge
import TetherClient

/// The call throughput again with wrk (Debian's package) as the client, since the Swift client
/// shares the 2 cores with the server: a Lua script posts getresult's `call` body, each
/// request for the next of the open pages in turn; and the same against the bare route.
enum WrkFigure {
    static func run(_ servers: InProcessServers, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        guard let wrk = ChildProcess.find("wrk") else {
            report.note("wrk figures skipped: wrk is not installed (apt-get install -y wrk)")
            return
        }
        for connections in [8, 32] {
            Progress.say("wrk: \(connections) connections")
            let pages = try CallFigures.openPages(servers.demoPort, count: connections, tracker: { nil })
            defer { for page in pages { try? page.page.unload() } }
            let sessions = pages.map(\.page.session)
            for (target, port) in [("bare", servers.barePort), ("getresult", servers.demoPort)] {
                let result = try measure(wrk: wrk, port: port, connections: connections, sessions: sessions, function: "getresult",
                                         arguments: CallFigures.getresultArgs, seconds: options.wrkSeconds)
                report.set("wrk.\(target).rate.\(connections)", result.rate)
                var remark = "wrk -t2 -c\(connections) -d\(options.wrkSeconds)s"
                if target == "getresult", let bare = report.value("wrk.bare.rate.\(connections)"), bare > 0 {
                    remark = "\(Format.fixed(100 * result.rate / bare, 0)) % of wrk bare; " + remark
                }
                report.add(Figure("wrk", "\(target == "bare" ? "bare route" : "getresult(125,99)"), \(connections) connections (wrk)",
                                  unit: "µs", summary: result.summary, result: result.rate, resultUnit: "calls/s", remark: remark))
            }
            try increment(wrk: wrk, servers, connections: connections, options, report)
        }
    }

    /// increment() posted by wrk to fresh pages whose polls the Swift pages keep: a call counts
    /// once its page has the write, so the rate is the writes delivered over the time from
    /// wrk's start to the last delivery.
    private static func increment(wrk: String, _ servers: InProcessServers, connections: Int, _ options: BenchOptions,
                                  _ report: Report) throws(BenchError) {
        let watchers = (0..<connections).map { _ in CountWatcher() }
        var pages: [PageClient] = []
        defer { for page in pages { try? page.unload() } }
        for watcher in watchers {
            pages.append(try DemoPage.open(port: servers.demoPort) { command, time in watcher.observe(command, at: time) })
        }
        let pollsBefore = pages.reduce(0) { $0 + $1.pollCount.load(ordering: .relaxed) }
        let started = Clock.nanos()
        let result = try measure(wrk: wrk, port: servers.demoPort, connections: connections, sessions: pages.map(\.session),
                                 function: "increment", arguments: [], seconds: options.wrkSeconds)
        // Every call wrk saw answered must reach its page; those in flight at its end may add a few.
        let deadline = Clock.nanos() + Clock.nanos(seconds: 5)
        var delivered = 0
        for _ in 0..<10_000 {
            delivered = watchers.reduce(0) { $0 + $1.latest.count }
            if delivered >= result.requests || Clock.nanos() > deadline { break }
            Clock.sleep(seconds: 0.001)
        }
        guard delivered >= result.requests else {
            throw BenchError("wrk increment: wrk completed \(result.requests) calls but the pages received \(delivered) writes")
        }
        let last = watchers.map(\.latest.at).max() ?? Clock.nanos()
        let rate = Double(delivered) / (Double(last - started) / 1e9)
        let polls = pages.reduce(0) { $0 + $1.pollCount.load(ordering: .relaxed) } - pollsBefore
        report.set("wrk.increment.rate.\(connections)", rate)
        var remark = "\(Format.fixed(Double(polls) / Double(max(delivered, 1)), 2)) polls/call; wrk -t2 -c\(connections) -d\(options.wrkSeconds)s"
        if let bare = report.value("wrk.bare.rate.\(connections)"), bare > 0 {
            remark = "\(Format.fixed(100 * rate / bare, 0)) % of wrk bare; " + remark
        }
        report.add(Figure("wrk", "increment() until the page has the write, \(connections) connections (wrk)", unit: "µs",
                          summary: result.summary, result: rate, resultUnit: "calls/s", remark: remark))
    }

    struct Result {
        let rate: Double
        /// Responses wrk completed.
        let requests: Int
        /// wrk reports p50 and p99 of latency and the max, not every sample.
        let summary: Summary?
    }

    static func script(port: Int, sessions: [String], function: String, arguments: [JSONValue]) -> String {
        let message = BridgeMessage.call(function: function, arguments: arguments)
        let bodies = sessions.map { "  '" + ProtocolCodec.encode(BridgeMessage.Envelope(session: $0, message: message)) + "'" }
        return """
            -- Posts \(function)(\(arguments.map(\.jsonText).joined(separator: ","))) as each open page's fetch would, pages in turn.
            local bodies = {
            \(bodies.joined(separator: ",\n"))
            }
            local next = 0
            wrk.method = "POST"
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["Origin"] = "http://127.0.0.1:\(port)"
            request = function()
              next = next % #bodies + 1
              return wrk.format(nil, "/_process_srv0", nil, bodies[next])
            end

            """
    }

    static func measure(wrk: String, port: Int, connections: Int, sessions: [String], function: String, arguments: [JSONValue],
                        seconds: Int, threads: Int = 2) throws(BenchError) -> Result {
        let path = "/tmp/tether-bench-\(getpid())-\(port).lua"
        guard Report.write(script(port: port, sessions: sessions, function: function, arguments: arguments), to: path) else { throw BenchError("wrk: cannot write \(path)") }
        defer { unlink(path) }
        let child: ChildProcess
        do {
            child = try ChildProcess(wrk, ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "--timeout", "5s", "-s", path,
                                           "http://127.0.0.1:\(port)/_process_srv0"], captureStdout: true)
        } catch { throw BenchError("wrk: \(error)") }
        guard let code = child.waitForExit(timeout: Double(seconds) + 20) else {
            child.stop(terminate: true)
            throw BenchError("wrk did not finish")
        }
        let output = child.outputText
        guard code == 0 else { throw BenchError("wrk exited \(code): \(output.suffix(400))") }
        return try parse(output)
    }

    /// Reads `Requests/sec:`, the latency distribution and the max from wrk's report.
    static func parse(_ output: String) throws(BenchError) -> Result {
        var rate: Double?
        var p50: Double?
        var p99: Double?
        var maximum: Double?
        var requests = 0
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let first = fields.first else { continue }
            if first == "Requests/sec:", fields.count > 1 { rate = Double(fields[1]) }
            if first == "Latency", fields.count >= 4 { maximum = microseconds(fields[3]) }
            if first == "50%", fields.count > 1 { p50 = microseconds(fields[1]) }
            if first == "99%", fields.count > 1 { p99 = microseconds(fields[1]) }
            if fields.count > 2, fields[1] == "requests", fields[2] == "in" { requests = Int(first) ?? 0 }
            if line.contains("Non-2xx") || line.contains("Socket errors") {
                throw BenchError("wrk saw failures: \(line.trimmingCharacters())")
            }
        }
        guard let rate else { throw BenchError("wrk's output has no Requests/sec: \(output.suffix(400))") }
        var summary: Summary?
        if let p50, let p99, let maximum { summary = Summary(reported: requests, median: p50, p99: p99, max: maximum) }
        return Result(rate: rate, requests: requests, summary: summary)
    }

    /// `68.00us`, `1.23ms`, `2.00s` → microseconds.
    static func microseconds(_ text: Substring) -> Double? {
        for (suffix, scale) in [("us", 1.0), ("ms", 1000.0), ("s", 1_000_000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }
}

extension Summary {
    /// Figures another tool computed.
    init(reported count: Int, median: Double, p99: Double, max: Double) {
        self.count = count
        self.median = median
        self.p99 = p99
        self.max = max
    }
}

/// The latest count a counter page received (`…innerHTML=k`), and when.
final class CountWatcher: Sendable {
    private let state = Mutex<(count: Int, at: Int64)>((0, 0))

    func observe(_ command: PageCommand, at time: Int64) {
        let code = command.code
        guard code.hasPrefix(DeliveryTracker.statementPrefix),
              let count = Int(code.dropFirst(DeliveryTracker.statementPrefix.count)) else { return }
        state.withLock { if count > $0.count { $0 = (count, time) } }
    }

    var latest: (count: Int, at: Int64) { state.withLock { $0 } }
}
