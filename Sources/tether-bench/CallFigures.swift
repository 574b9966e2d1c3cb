import TetherBridge
import TetherClient

/// Figures 1, 2 and 5: calls per second with 1, 8 and 32 clients (each its own page, its
/// long-poll held open meanwhile), against the bare limit of the same HTTP layer measured in
/// the same run, just before each.
enum CallFigures {
    static let getresultArgs: [JSONValue] = [.number("125"), .number("99")]
    static let incrementReply = Array("{\"value\":null}".utf8)
    /// An inline reply starts so and goes on with the writes: `,"commands":[…]}`.
    static let inlineIncrementReply = Array("{\"value\":null".utf8)

    static func run(_ servers: InProcessServers, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        for clients in options.clientCounts {
            Progress.say("figures 1, 2, 5: \(clients) client\(clients == 1 ? "" : "s")")
            let bare = try bareRun(servers, clients: clients, options)
            let bareRate = bare.rate
            report.set("bare.rate.\(clients)", bareRate)
            report.add(figure("5", "bare route (same HTTP layer), \(clients) client\(clients == 1 ? "" : "s")", bare, bareRate: nil))

            let getresult = try getresultRun(servers, clients: clients, options)
            report.set("getresult.rate.\(clients)", getresult.rate)
            if let summary = Summary(nanos: getresult.latencies, per: 1000) { report.set("getresult.p50us.\(clients)", summary.median) }
            report.add(figure("1", clients == 1 ? "getresult(125,99), 1 client sequential" : "getresult(125,99), \(clients) clients",
                              getresult, bareRate: bareRate))

            let plural = clients == 1 ? "" : "s"
            let (increment, _) = try incrementRun(servers, clients: clients, options, waitEach: false, inline: true)
            report.set("increment.rate.\(clients)", increment.rate)
            report.add(figure("2", "increment() until the page has the write, \(clients) client\(plural) (inline, as the page script calls)",
                              increment, bareRate: bareRate))

            let (polled, pollsPerCall) = try incrementRun(servers, clients: clients, options, waitEach: false, inline: false)
            report.set("increment.polled.rate.\(clients)", polled.rate)
            var row = figure("2", "increment(), \(clients) client\(plural), the write through the poll (no inline)",
                             polled, bareRate: bareRate)
            row.remark += "; \(Format.fixed(pollsPerCall, 2)) polls/call"
            report.add(row)
        }
        let (strict, _) = try incrementRun(servers, clients: 1, options, waitEach: true, inline: false)
        report.set("increment.strict.rate.1", strict.rate)
        report.add(figure("2", "increment(), 1 client, next call only after the write arrived", strict,
                          bareRate: report.value("bare.rate.1")))
        report.note("Figures 1–5 and wrk: the server runs in this process (Demos.server, as tetherd serves it) and "
                    + "shares the 2 cores with the client threads; call latency is send → reply, increment latency is "
                    + "send → the page has the write: in the call's own reply when inline (what the page script asks "
                    + "for), else in its poll.")
    }

    private static func figure(_ group: String, _ name: String, _ result: CallLoadResult, bareRate: Double?) -> Figure {
        var remark = ""
        if let bareRate, bareRate > 0 { remark = "\(Format.fixed(100 * result.rate / bareRate, 0)) % of bare" }
        if result.errors > 0 { remark += (remark.isEmpty ? "" : "; ") + "\(result.errors) errors" }
        return Figure(group, name, unit: "µs", summary: Summary(nanos: result.latencies, per: 1000),
                      result: result.rate, resultUnit: "calls/s", remark: remark)
    }

    private static func check(_ result: CallLoadResult, _ what: String) throws(BenchError) {
        if result.errors > 0 { throw BenchError("\(what): \(result.errors) failed calls; first: \(result.firstError ?? "?")") }
        if result.completed == 0 { throw BenchError("\(what): no call completed") }
    }

    static func bareRun(_ servers: InProcessServers, clients: Int, _ options: BenchOptions) throws(BenchError) -> CallLoadResult {
        var load: [CallClient] = []
        // The same request bytes a page sends, with a made-up session: the bare route ignores it.
        let request: [UInt8]
        do {
            let page = try PageClient(session: "0123456789abcdef0123456789abcdef", over: SocketTransport(port: servers.barePort))
            request = DemoPage.call(page, "getresult", getresultArgs)
        } catch { throw BenchError("bare route: \(error)") }
        for _ in 0..<clients {
            do {
                load.append(CallClient(connection: try ClientConnection(port: servers.barePort), request: request,
                                       expected: InProcessServers.getresultReply))
            } catch { throw BenchError("bare route: \(error)") }
        }
        let result = CallLoad.run(load, warmUp: options.warmUpSeconds, seconds: options.runSeconds)
        try check(result, "bare route with \(clients) clients")
        return result
    }

    static func getresultRun(_ servers: InProcessServers, clients: Int, _ options: BenchOptions) throws(BenchError) -> CallLoadResult {
        let pages = try openPages(servers.demoPort, count: clients, tracker: { nil })
        defer { for page in pages { try? page.page.unload() } }
        var load: [CallClient] = []
        for entry in pages {
            load.append(CallClient(connection: try DemoPage.callConnection(port: servers.demoPort),
                                   request: DemoPage.call(entry.page, "getresult", getresultArgs),
                                   expected: InProcessServers.getresultReply))
        }
        let result = CallLoad.run(load, warmUp: options.warmUpSeconds, seconds: options.runSeconds)
        try check(result, "getresult with \(clients) clients")
        try checkPolls(pages)
        return result
    }

    /// The run, and how many polls the pages made per call (each poll answer is one more exchange).
    static func incrementRun(_ servers: InProcessServers, clients: Int, _ options: BenchOptions, waitEach: Bool, inline: Bool)
        throws(BenchError) -> (CallLoadResult, Double) {
        let pages = try openPages(servers.demoPort, count: clients, tracker: { DeliveryTracker() })
        defer { for page in pages { try? page.page.unload() } }
        var load: [CallClient] = []
        for entry in pages {
            let page = entry.page
            var inlineRequest: (@Sendable (Int) -> [UInt8])?
            if inline { inlineRequest = { ack in DemoPage.call(page, "increment", inlineAck: ack) } }
            load.append(CallClient(connection: try DemoPage.callConnection(port: servers.demoPort), request: DemoPage.call(page, "increment"),
                                   expected: inline ? inlineIncrementReply : incrementReply, tracker: entry.tracker,
                                   waitForDelivery: waitEach, inlineRequest: inlineRequest))
        }
        let pollsBefore = pages.reduce(0) { $0 + $1.page.pollCount.load(ordering: .relaxed) }
        let result = CallLoad.run(load, warmUp: options.warmUpSeconds, seconds: options.runSeconds)
        try check(result, "increment with \(clients) clients")
        try checkPolls(pages)
        let polls = pages.reduce(0) { $0 + $1.page.pollCount.load(ordering: .relaxed) } - pollsBefore
        let calls = pages.reduce(0) { $0 + ($1.tracker?.sentCount ?? 0) }
        return (result, Double(polls) / Double(max(calls, 1)))
    }

    /// Fresh pages (counts start at 0), each with its poll thread; a tracker sees their statements.
    static func openPages(_ port: Int, count: Int, tracker makeTracker: () -> DeliveryTracker?) throws(BenchError)
        -> [(page: PageClient, tracker: DeliveryTracker?)] {
        var pages: [(page: PageClient, tracker: DeliveryTracker?)] = []
        for _ in 0..<count {
            let tracker = makeTracker()
            do {
                pages.append((try DemoPage.open(port: port) { command, time in tracker?.observe(command, at: time) }, tracker))
            } catch {
                for opened in pages { try? opened.page.unload() }
                throw error
            }
        }
        return pages
    }

    private static func checkPolls(_ pages: [(page: PageClient, tracker: DeliveryTracker?)]) throws(BenchError) {
        for entry in pages {
            if let failure = entry.page.failure { throw BenchError("a page's poll failed: \(failure)") }
        }
    }
}
