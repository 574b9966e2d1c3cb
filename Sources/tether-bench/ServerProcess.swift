#if canImport(Glibc)
import Glibc
import TetherBridge
#endif

/// tetherd in a child process, found listening.
final class ServerProcess {
    let child: ChildProcess
    let port: Int
    let label: String

    /// tetherd serving `www` on a free port, with `flags` besides (`--poll-hold 2`).
    convenience init(tetherd: String, www: String, _ flags: [String] = []) throws(BenchError) {
        try self.init(tetherd, ["--port", "0", "--www", www] + flags, label: "tetherd")
    }

    /// Starts `path` with `arguments` (which must ask for port 0) and reads the port it logs.
    init(_ path: String, _ arguments: [String], label: String) throws(BenchError) {
        do { child = try ChildProcess(path, arguments) } catch { throw BenchError("\(label): \(error)") }
        self.label = label
        guard let line = child.waitForLine(containing: "listening on http://", timeout: 15),
              let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...].prefix { $0.isNumber }) else {
            let output = child.outputText
            child.stop(terminate: true)
            throw BenchError("\(label) did not report a port; its output: \(output.suffix(500))")
        }
        self.port = port
    }

    var pid: pid_t { child.pid }

    func stop() { child.stop(terminate: true) }

    /// `sessions` from `GET /_health`; nil when it does not answer.
    func sessionCount() -> Int? {
        guard let health = DemoPage.get(port: port, "/_health"), health.status == 200 else { return nil }
        return (try? ProtocolCodec.decodeHealthReport(health.body))?.sessions
    }

    /// Waits until the server has no session left; the seconds it took, nil on timeout.
    func waitForNoSessions(timeout: Double) -> Double? {
        let start = Clock.nanos()
        let deadline = start + Clock.nanos(seconds: timeout)
        for _ in 0..<100_000 {
            if sessionCount() == 0 { return Double(Clock.nanos() - start) / 1e9 }
            if Clock.nanos() > deadline { return nil }
            Clock.sleep(seconds: 0.05)
        }
        return nil
    }

    /// RSS readings in MB, `count` of them `interval` apart.
    func rss(readings count: Int = 5, interval: Double = 0.1) -> Summary? {
        var values: [Double] = []
        for index in 0..<count {
            if index > 0 { Clock.sleep(seconds: interval) }
            if let rss = ProcFS.rss(child.pid) { values.append(Double(rss) / MemoryFigures.megabyte) }
        }
        return Summary(values)
    }
}
