/// `tether-bench [--quick] [--json FILE] [--www DIR] [--tetherd PATH]`, and the durations and
/// counts each mode uses: every loop of the bench is bounded by these.
struct BenchOptions: Sendable {
    var quick = false
    var jsonPath: String?
    /// The demo pages; found next to the package when not given.
    var www: String?
    /// The daemon for the start-up and idle-CPU figures; found next to this executable when not given.
    var tetherd: String?
    var showHelp = false
    /// Only these groups of figures (`--only calls,memory`); all when nil.
    var only: Set<String>?

    static let groups = ["calls", "push", "wrk", "idle", "memory", "start", "size", "conn", "pages"]

    func runs(_ group: String) -> Bool { only?.contains(group) ?? true }

    struct UsageError: Error, CustomStringConvertible { let description: String }

    static let usage = """
        usage: tether-bench [--quick] [--json FILE] [--only GROUPS] [--www DIR] [--tetherd PATH]
          --quick          the CI set: every figure, shorter and smaller (under 60 s)
          --json FILE      also write the figures as JSON to FILE
          --only GROUPS    some of: calls (figures 1, 2, 5), push (3, 4), wrk, idle (6), memory (7),
                           start (8), size, conn (idle connections, static file vs nginx,
                           calls from one page), pages (5,000 pages holding polls);
                           comma-separated
          --www DIR        the demo pages (default ./www, else the package's www)
          --tetherd PATH   the daemon to start (default: tetherd next to this executable,
                           built by `swift build -c release --product tetherd`)
        Run it as: swift run -c release tether-bench [--quick] [--json FILE]
        """

    static func parse(_ arguments: [String]) throws(UsageError) -> BenchOptions {
        var options = BenchOptions()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            func value() throws(UsageError) -> String {
                guard let next = rest.popFirst(), !next.isEmpty else { throw UsageError(description: "\(argument) needs a value") }
                return next
            }
            switch argument {
            case "--quick": options.quick = true
            case "--json": options.jsonPath = try value()
            case "--www": options.www = try value()
            case "--tetherd": options.tetherd = try value()
            case "--only":
                let groups = Set(try value().split(separator: ",").map(String.init))
                if let unknown = groups.first(where: { !Self.groups.contains($0) }) {
                    throw UsageError(description: "unknown group '\(unknown)' (use \(Self.groups.joined(separator: ", ")))")
                }
                options.only = groups
            case "--help", "-h": options.showHelp = true
            default: throw UsageError(description: "unknown option '\(argument)'")
            }
        }
        return options
    }

    // MARK: Sizes of the run

    /// Seconds each throughput run measures (after its warm-up).
    var runSeconds: Double { quick ? 0.5 : 3 }
    var warmUpSeconds: Double { quick ? 0.1 : 0.5 }
    /// Client counts of the throughput figures.
    var clientCounts: [Int] { [1, 8, 32] }
    /// Samples of the push and read figures.
    var pushSamples: Int { quick ? 2_000 : 20_000 }
    var readSamples: Int { quick ? 2_000 : 20_000 }
    /// The idle-CPU window.
    var idleSeconds: Double { quick ? 3 : 30 }
    /// Open pages at each memory step.
    var pageSteps: [Int] { [0, 1, 100, 1000] }
    /// How long after pages leave the memory is read.
    var settleSeconds: Double { quick ? 2 : 10 }
    var evaluations: Int { 10_000 }
    var evaluationWarmUp: Int { quick ? 1_000 : 2_000 }
    /// Starts of tetherd timed.
    var startRuns: Int { quick ? 5 : 20 }
    /// Seconds of each wrk run.
    var wrkSeconds: Int { quick ? 1 : 3 }
    /// Bare connections held open for the idle-connections figure.
    var idleConnections: Int { quick ? 2_000 : 10_000 }
    /// Open pages, each holding a poll, of the many-pages figure.
    var manyPages: Int { quick ? 1_000 : 5_000 }
}
