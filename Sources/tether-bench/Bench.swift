#if canImport(Glibc)
import Glibc
#endif
import Tether

/// Runs the figures in order, prints the table (and JSON), cleans up what it started.
/// Exit status: 0 when every figure ran (missed targets included), 1 when one failed, 64 for
/// a bad flag.
enum Bench {
    static func main(_ arguments: [String]) -> Int32 {
        if arguments.first == "serve" { return ServeMode.run(Array(arguments.dropFirst())) }
        let options: BenchOptions
        do { options = try BenchOptions.parse(arguments) } catch {
            Progress.say("tether-bench: \(error)\n\(BenchOptions.usage)")
            return 64
        }
        if options.showHelp {
            Progress.out(BenchOptions.usage + "\n")
            return 0
        }
        installSignalHandlers()
        raiseDescriptorLimit()

        let executable = Paths.executable()
        guard let www = Paths.www(options.www, executable: executable) else {
            Progress.say("tether-bench: no www directory with index.html and factor.html (give --www DIR)")
            return 66
        }
        let packageRoot = Paths.parent(www)
        let tetherd = Paths.tetherd(options.tetherd, executable: executable)
        let report = Report(mode: options.quick ? "quick" : "full")
        let started = Clock.nanos()
        let loadBefore = Paths.loadAverage()
        Progress.say("tether-bench \(options.quick ? "--quick" : "(full run)"): www \(www); tetherd \(tetherd ?? "not found")")

        // Figures 1–5 and wrk: in-process server.
        if options.runs("calls") || options.runs("push") || options.runs("wrk") {
            do {
                let servers = try InProcessServers(www: www)
                defer { servers.stop() }
                if options.runs("calls") { attempt(report) { () throws(BenchError) in try CallFigures.run(servers, options, report) } }
                if options.runs("push") { attempt(report) { () throws(BenchError) in try PushReadFigures.run(servers, options, report) } }
                if options.runs("wrk") { attempt(report) { () throws(BenchError) in try WrkFigure.run(servers, options, report) } }
            } catch {
                report.error(error.description)
            }
        }

        if options.runs("idle") {
            attempt(report) { () throws(BenchError) in try idleFigure(tetherd: tetherd, executable: executable, www: www, options, report) }
        }
        if options.runs("memory") {
            attempt(report) { () throws(BenchError) in try memoryFigures(executable: executable, www: www, options, report) }
        }
        // Figure 8: tetherd itself.
        if options.runs("start"), let tetherd {
            attempt(report) { () throws(BenchError) in try StartupFigure.run(tetherd: tetherd, www: www, options, report) }
        } else if options.runs("start") {
            report.note("figure 8 skipped: tetherd was not found next to this executable; build it with "
                        + "`swift build -c release --product tetherd`, or give --tetherd PATH")
        }

        if options.runs("conn") {
            attempt(report) { () throws(BenchError) in try connectionFigures(tetherd: tetherd, executable: executable, www: www, options, report) }
        }

        if options.runs("pages") {
            attempt(report) { () throws(BenchError) in try ManyPagesFigure.run(executable: executable, www: www, options, report) }
        }

        if !options.quick && options.runs("size") { BinarySizeFigure.run(packageRoot: packageRoot, report) }
        report.targets = Targets.check(report)
        report.note("load average before → after the run: \(loadBefore) → \(Paths.loadAverage()) (the cores are shared with other work)")
        report.note("machine: \(Paths.machine()); run took \(Format.fixed(Double(Clock.nanos() - started) / 1e9, 1)) s")
        report.printAll()
        if let path = options.jsonPath {
            let context = [("mode", report.mode), ("machine", Paths.machine()), ("www", www), ("tetherd", tetherd ?? "")]
            if !Report.write(report.json(context: context), to: path) {
                Progress.say("tether-bench: cannot write \(path)")
                return 1
            }
        }
        return report.errors.isEmpty ? 0 : 1
    }

    /// Figure 6 on the daemon as shipped, else on the serve child.
    private static func idleFigure(tetherd: String?, executable: String, www: String, _ options: BenchOptions,
                                   _ report: Report) throws(BenchError) {
        let server: ServerProcess
        if let tetherd {
            server = try ServerProcess(tetherd, ["--port", "0", "--www", www], label: "tetherd")
        } else {
            report.note("figure 6 ran on `tether-bench serve` (the same Demos.server): tetherd was not found next to this "
                        + "executable; build it with `swift build -c release --product tetherd`")
            server = try ServerProcess(executable, ServeMode.Settings(www: www).arguments, label: "serve child")
        }
        defer { server.stop() }
        try IdleCPUFigure.run(server, options, report)
    }

    /// Figure 7 on a serve child with room for 1000 polling pages and a short expiry.
    private static func memoryFigures(executable: String, www: String, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        let settings = ServeMode.Settings(www: www, pollHold: 2, firstPollTimeout: 10,
                                          pollGapTimeout: 2, sweepInterval: 0.5)
        let server = try ServerProcess(executable, settings.arguments, label: "serve child")
        defer { server.stop() }
        report.note("figure 7 runs the demo server as a child process (`tether-bench serve`: the same Demos.server as "
                    + "tetherd, with settings tetherd has no flags for): poll hold 2 s, poll gap 2 s, sweep 0.5 s, "
                    + "so vanished pages expire within the run")
        try MemoryFigures.run(server, settings, options, report)
    }

    /// Idle connections on tetherd (else the serve child), then the static-file floor against nginx.
    private static func connectionFigures(tetherd: String?, executable: String, www: String, _ options: BenchOptions,
                                          _ report: Report) throws(BenchError) {
        do {
            let server: ServerProcess
            if let tetherd {
                server = try ServerProcess(tetherd, ["--port", "0", "--www", www], label: "tetherd")
            } else {
                server = try ServerProcess(executable, ServeMode.Settings(www: www).arguments, label: "serve child")
            }
            defer { server.stop() }
            try ConnectionFigures.idle(server, options, report)
            try ConnectionFigures.vanished(server, report)
        }
        try ConnectionFigures.staticFloor(tetherd: tetherd, options, report)
    }

    private static func attempt(_ report: Report, _ body: () throws(BenchError) -> Void) {
        do { try body() } catch { report.error(error.description) }
    }

    /// Ctrl-C or a kill: the running child goes too.
    private static func installSignalHandlers() {
        _ = runningChild.load(ordering: .relaxed)  // initialise the global before any handler may run
        signal(SIGPIPE, SIG_IGN)
        let handler: @convention(c) (Int32) -> Void = { signal in
            let pid = runningChild.load(ordering: .relaxed)
            if pid > 0 { kill(pid, SIGKILL) }
            _exit(128 + signal)
        }
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, handler) }
    }

    /// 1000 pages need about 2000 descriptors in this process.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = min(limit.rlim_max, 65_536)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// Where things are: this executable, the www pages, tetherd.
enum Paths {
    static func executable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments.first ?? "tether-bench" }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func absolute(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `given`, else ./www, else the package's www (the executable is in `.build/<triple>/release`).
    static func www(_ given: String?, executable: String) -> String? {
        var candidates = [given ?? "www"]
        if given == nil {
            let build = parent(parent(parent(executable)))
            candidates.append(build + "/www")
            candidates.append(parent(build) + "/www")
        }
        for candidate in candidates {
            if let path = absolute(candidate), access(path + "/index.html", R_OK) == 0, access(path + "/factor.html", R_OK) == 0 {
                return path
            }
            if given != nil { return nil }
        }
        return nil
    }

    static func tetherd(_ given: String?, executable: String) -> String? {
        let candidate = given ?? parent(executable) + "/tetherd"
        return access(candidate, X_OK) == 0 ? absolute(candidate) : nil
    }

    /// The 1-minute load average.
    static func loadAverage() -> String {
        ProcFS.read("/proc/loadavg").flatMap { $0.split(separator: " ").first.map(String.init) } ?? "?"
    }

    static func machine() -> String {
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        var model = "?"
        if let info = ProcFS.read("/proc/cpuinfo"), let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            model = String(line[line.index(after: colon)...].trimmingCharacters())
        }
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "\(cores) cores, \(model), Linux \(release)"
    }
}
