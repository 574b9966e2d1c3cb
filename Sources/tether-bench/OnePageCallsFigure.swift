/// getresult(125, 99) from one page over 8 connections, with the client of the static-file
/// floor (wrk -t1 -c8) on the same tetherd in the same run: what an app call costs above
/// serving a file.
enum OnePageCallsFigure {
    static func run(wrk: String, server: ServerProcess, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        Progress.say("calls from one page: wrk -t1 -c8 (\(server.label))")
        let page = try DemoPage.open(port: server.port)
        defer { try? page.unload() }
        // The session opens at the load or at the first poll, depending on the version.
        let deadline = Clock.nanos() + Clock.nanos(seconds: 10)
        while (server.sessionCount() ?? 0) < 1 {
            if Clock.nanos() > deadline { throw BenchError("one page's calls: no session 10 s after the page loaded") }
            Clock.sleep(seconds: 0.01)
        }
        let result = try WrkFigure.measure(wrk: wrk, port: server.port, connections: 8, sessions: [page.session],
                                           function: "getresult", arguments: CallFigures.getresultArgs, seconds: options.wrkSeconds,
                                           threads: 1)
        if let failure = page.failure { throw BenchError("one page's calls: its poll failed: \(failure)") }
        report.set("onePage.getresult.rate.8", result.rate)
        var remark = "wrk -t1 -c8 -d\(options.wrkSeconds)s"
        if let floor = report.value("static.tether.rate.8"), floor > 0 {
            remark = "\(Format.fixed(100 * result.rate / floor, 0)) % of tetherd's static file rate at 8 connections; " + remark
        }
        report.add(Figure("conn", "getresult(125,99) from one page, 8 connections, tetherd (wrk -t1)", unit: "µs",
                          summary: result.summary, result: result.rate, resultUnit: "calls/s", remark: remark))
    }
}
