/// The issue's targets, checked against this run's figures. A miss is reported, never an error.
enum Targets {
    static func check(_ report: Report) -> [TargetCheck] {
        var checks: [TargetCheck] = []
        func add(_ target: String, _ value: Double?, _ text: (Double) -> String, _ met: (Double) -> Bool) {
            guard let value else {
                checks.append(TargetCheck(target: target, measured: "not measured", met: nil))
                return
            }
            checks.append(TargetCheck(target: target, measured: text(value), met: met(value)))
        }
        for call in ["getresult", "increment"] {
            for clients in [8, 32] {
                let rate = report.value("\(call).rate.\(clients)")
                add("\(call), \(clients) clients ≥ 50 000 calls/s", rate, { "\(Format.grouped($0)) calls/s" }, { $0 >= 50_000 })
                let bare = report.value("bare.rate.\(clients)")
                let share = rate.flatMap { rate in bare.map { 100 * rate / $0 } }
                add("\(call), \(clients) clients ≥ 60 % of bare", share, { "\(Format.fixed($0, 0)) %" }, { $0 >= 60 })
            }
        }
        for call in ["getresult", "increment"] {
            for connections in [8, 32] {
                let rate = report.value("wrk.\(call).rate.\(connections)")
                add("\(call), wrk \(connections) connections ≥ 50 000 calls/s", rate, { "\(Format.grouped($0)) calls/s" }, { $0 >= 50_000 })
                let bare = report.value("wrk.bare.rate.\(connections)")
                let share = rate.flatMap { rate in bare.map { 100 * rate / $0 } }
                add("\(call), wrk \(connections) connections ≥ 60 % of wrk bare", share, { "\(Format.fixed($0, 0)) %" }, { $0 >= 60 })
            }
        }
        add("getresult p50 ≤ 0.1 ms (1 client)", report.value("getresult.p50us.1"), { "\(Format.short($0 / 1000)) ms" }, { $0 <= 100 })
        add("push delivery p50 ≤ 50 µs", report.value("push.p50us"), { "\(Format.short($0)) µs" }, { $0 <= 50 })
        add("server read p50 ≤ 0.2 ms", report.value("read.p50us"), { "\(Format.short($0 / 1000)) ms" }, { $0 <= 200 })
        add("idle CPU, 10 pages ≤ 0.05 % of a core", report.value("idle.cpuPercent"),
            { "\(Format.short($0)) % (schedstat \(Format.short(report.value("idle.cpuPercentFine") ?? .nan)) %)" }, { $0 <= 0.05 })
        add("1000 open pages ≤ 40 MB RSS", report.value("rss.1000"), { "\(Format.fixed($0 / MemoryFigures.megabyte, 1)) MB" },
            { $0 <= 40 * MemoryFigures.megabyte })
        let base = report.value("rss.0")
        for (key, what) in [("rss.afterUnload", "unload"), ("rss.afterExpiry", "expiry")] {
            let share = report.value(key).flatMap { value in base.map { 100 * (value - $0) / $0 } }
            add("RSS after pages leave (\(what)) within 10 % of 0 pages", share,
                { "\($0 >= 0 ? "+" : "")\(Format.fixed($0, 1)) %" }, { abs($0) <= 10 })
        }
        add("0 bytes per evaluation after warm-up", report.value("eval.bytesPer"), { "\(Format.short($0)) bytes" }, { $0 <= 0 })
        add("tetherd start → accepting ≤ 50 ms", report.value("start.p50ms"), { "\(Format.short($0)) ms" }, { $0 <= 50 })
        add("static stripped tetherd ≤ 16 MB", report.value("size.bytes"), { "\(Format.fixed($0 / MemoryFigures.megabyte, 1)) MB" },
            { $0 <= 16 * MemoryFigures.megabyte })
        add("idle connections hold no thread", report.value("connections.idle.threadsAdded"),
            { "\(Int($0)) threads added for \(Int(report.value("connections.idle.count") ?? 0)) connections" }, { $0 <= 0 })
        add("a page that vanished mid-poll is closed within 5 s", report.value("connections.vanished.seconds"),
            { "\(Format.short($0)) s" }, { $0 <= 5 })
        add("5,000 pages holding polls: push p50 < 1 ms", report.value("pages.5000.push.p50us"), { "\(Format.short($0)) µs" }, { $0 < 1000 })
        add("5,000 pages holding polls: RSS ≤ 60 MB", report.value("pages.5000.rss"),
            { "\(Format.fixed($0 / MemoryFigures.megabyte, 1)) MB" }, { $0 <= 60 * MemoryFigures.megabyte })
        for connections in [8, 64] {
            let ours = report.value("static.tether.rate.\(connections)")
            let share = ours.flatMap { ours in report.value("static.nginx.rate.\(connections)").map { 100 * ours / $0 } }
            add("static file, wrk -t1 \(connections) connections ≥ 90 % of nginx", share, { "\(Format.fixed($0, 0)) %" }, { $0 >= 90 })
        }
        return checks
    }
}
