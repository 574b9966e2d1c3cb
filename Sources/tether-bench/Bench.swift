#if canImport(Glibc)
import Glibc
#endif
import Tether

/// Runs the figures in order, prints the table (and JSON), cleans up what it started.
/// Exit status: 0 when every figure ran (missed targets included), 1 when one failed, 64 for
/// a bad flag.
enum Bench {
    static func main(_ arguments: [String]) -> Int32 {
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

        // Figures 6, 7, 8, conn and pages: tetherd as a child, with its own flags.
        for (group, figure) in [("idle", "figure 6"), ("memory", "figure 7"), ("start", "figure 8"), ("conn", "the conn figures"),
                                ("pages", "the pages figures")] where options.runs(group) {
            guard let tetherd else {
                report.note("\(figure) skipped: tetherd was not found next to this executable; build it with "
                            + "`swift build -c release --product tetherd`, or give --tetherd PATH")
                continue
            }
            attempt(report) { () throws(BenchError) in
                switch group {
                case "idle": try IdleCPUFigure.run(tetherd: tetherd, www: www, options, report)
                case "memory": try MemoryFigures.run(tetherd: tetherd, www: www, options, report)
                case "start": try StartupFigure.run(tetherd: tetherd, www: www, options, report)
                case "conn": try ConnectionFigures.run(tetherd: tetherd, www: www, options, report)
                default: try ManyPagesFigure.run(tetherd: tetherd, www: www, options, report)
                }
            }
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
