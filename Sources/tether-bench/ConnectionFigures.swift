#if canImport(Glibc)
import Glibc
import TetherClient
#endif

/// The event-driven connection model in figures: what idle connections cost tetherd (memory
/// and threads), and the static-file floor against nginx with the same client and file.
enum ConnectionFigures {
    /// Idle connections and vanishing pages on one tetherd, then the static-file floor.
    static func run(tetherd: String, www: String, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        do {
            let server = try ServerProcess(tetherd: tetherd, www: www)
            defer { server.stop() }
            try idle(server, options, report)
            try vanished(server, report)
        }
        try staticFloor(tetherd: tetherd, options, report)
    }

    /// Many bare connections to `server`, none sending anything: RSS and threads before and after.
    static func idle(_ server: ServerProcess, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        let count = options.idleConnections
        Progress.say("connections: \(count) idle connections to \(server.label)")
        let pid = server.pid
        guard let rssBefore = server.rss(readings: 3)?.median, let threadsBefore = ProcFS.status(pid, "Threads") else {
            throw BenchError("idle connections: cannot read /proc/\(pid)")
        }
        var connections: [ClientConnection] = []
        defer { connections.removeAll() }  // closes them
        for _ in 0..<count {
            do { connections.append(try ClientConnection(port: server.port)) } catch {
                throw BenchError("idle connections: connect failed after \(connections.count): \(error)")
            }
        }
        // Accepted and registered: the server answers a request made after them all.
        guard server.sessionCount() != nil else { throw BenchError("idle connections: /_health did not answer beside them") }
        Clock.sleep(seconds: 0.3)
        guard let rssAfter = server.rss(readings: 3)?.median, let threadsAfter = ProcFS.status(pid, "Threads") else {
            throw BenchError("idle connections: cannot read /proc/\(pid)")
        }
        let perConnection = (rssAfter - rssBefore) * MemoryFigures.megabyte / Double(count)
        report.set("connections.idle.count", Double(count))
        report.set("connections.idle.rss", rssAfter * MemoryFigures.megabyte)
        report.set("connections.idle.threadsAdded", Double(threadsAfter - threadsBefore))
        report.add(Figure("conn", "\(Format.grouped(Double(count))) idle connections (\(server.label))",
                          result: rssAfter, resultUnit: "MB RSS",
                          remark: "\(Format.fixed(rssBefore, 1)) MB before (+\(Format.short(perConnection / 1024)) KiB each); "
                              + "threads \(threadsBefore) → \(threadsAfter)"))
    }

    /// Pages that vanish mid-poll (their connections cut, no unload): seconds until the server
    /// has closed every session. tetherd's poll hold (20 s) and gap (60 s) are the defaults.
    static func vanished(_ server: ServerProcess, _ report: Report) throws(BenchError) {
        Progress.say("connections: 10 pages vanish mid-poll (\(server.label))")
        var pages: [PageClient] = []
        for _ in 0..<10 { pages.append(try DemoPage.open(port: server.port)) }
        Clock.sleep(seconds: 0.5)  // every poll is held now
        guard server.sessionCount() == 10 else { throw BenchError("vanished pages: the server does not have 10 sessions") }
        let started = Clock.nanos()
        for page in pages { page.vanish() }
        pages.removeAll()  // their call connections close too
        guard let seconds = server.waitForNoSessions(timeout: 90) else {
            throw BenchError("vanished pages: sessions still open 90 s after their pages vanished")
        }
        let elapsed = Double(Clock.nanos() - started) / 1e9
        report.set("connections.vanished.seconds", elapsed)
        report.add(Figure("conn", "10 pages vanish mid-poll: all sessions closed (\(server.label))", result: elapsed,
                          resultUnit: "s", remark: "poll hold 20 s, gap 60 s; closed on the lost poll (grace 2 s, sweep 1 s); "
                              + "health polled every 50 ms (\(Format.short(seconds)) s)"))
    }

    /// wrk -t1 on one static file from tetherd and from nginx, at 8 and 64 connections, in turn.
    static func staticFloor(tetherd: String, _ options: BenchOptions, _ report: Report) throws(BenchError) {
        guard let wrk = ChildProcess.find("wrk") else {
            report.note("static-file figures skipped: wrk is not installed (apt-get install -y wrk)")
            return
        }
        let scratch = "/tmp/tether-bench-static-\(getpid())"
        defer { _ = (try? ChildProcess("/bin/rm", ["-rf", scratch]))?.waitForExit(timeout: 10) }
        let www = scratch + "/www"
        let file = "/style.css"
        guard mkdir(scratch, 0o755) == 0, mkdir(www, 0o755) == 0,
              Report.write("<!doctype html><title>static</title>\n", to: www + "/index.html"),
              Report.write(String(repeating: "body { margin: 0 }\n", count: 200), to: www + file) else {
            throw BenchError("static files: cannot write \(scratch)")
        }
        let tether = try ServerProcess(tetherd: tetherd, www: www)
        defer { tether.stop() }
        let nginx = NginxProcess.start(root: www, scratch: scratch)
        defer { nginx?.stop() }
        if nginx == nil {
            report.note("static-file figures ran without nginx: it is not installed (apt-get install -y nginx) or did not start")
        }
        for connections in [8, 64] {
            Progress.say("static file: wrk -t1 -c\(connections)")
            let ours = try measure(wrk: wrk, port: tether.port, path: file, connections: connections, seconds: options.wrkSeconds)
            report.set("static.tether.rate.\(connections)", ours.rate)
            var remark = "wrk -t1 -c\(connections) -d\(options.wrkSeconds)s, \(file) (3.8 KB)"
            if let nginx {
                let theirs = try measure(wrk: wrk, port: nginx.port, path: file, connections: connections, seconds: options.wrkSeconds)
                report.set("static.nginx.rate.\(connections)", theirs.rate)
                report.add(Figure("conn", "static file, nginx, \(connections) connections (wrk -t1)", unit: "µs",
                                  summary: theirs.summary, result: theirs.rate, resultUnit: "req/s",
                                  remark: "nginx 1 worker, sendfile on, keepalive_requests 1000000"))
                remark = "\(Format.fixed(100 * ours.rate / theirs.rate, 0)) % of nginx; " + remark
            }
            report.add(Figure("conn", "static file, tetherd, \(connections) connections (wrk -t1)", unit: "µs",
                              summary: ours.summary, result: ours.rate, resultUnit: "req/s", remark: remark))
            if connections == 8 { try OnePageCallsFigure.run(wrk: wrk, server: tether, options, report) }
        }
    }

    private static func measure(wrk: String, port: Int, path: String, connections: Int, seconds: Int) throws(BenchError) -> WrkFigure.Result {
        let child: ChildProcess
        do {
            child = try ChildProcess(wrk, ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency", "--timeout", "5s",
                                           "http://127.0.0.1:\(port)\(path)"], captureStdout: true)
        } catch { throw BenchError("wrk: \(error)") }
        guard let code = child.waitForExit(timeout: Double(seconds) + 20) else {
            child.stop(terminate: true)
            throw BenchError("wrk did not finish")
        }
        guard code == 0 else { throw BenchError("wrk exited \(code): \(child.outputText.suffix(400))") }
        return try WrkFigure.parse(child.outputText)
    }
}

/// nginx serving a directory on a free port, for the static-file comparison.
final class NginxProcess {
    let child: ChildProcess
    let port: Int

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    static func start(root: String, scratch: String) -> NginxProcess? {
        guard let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: { access($0, X_OK) == 0 }) ?? ChildProcess.find("nginx"),
              let port = freePort() else { return nil }
        let configuration = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(scratch)/nginx.pid;
            error_log \(scratch)/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 1000000;
                client_body_temp_path \(scratch)/body;
                proxy_temp_path \(scratch)/proxy;
                fastcgi_temp_path \(scratch)/fastcgi;
                uwsgi_temp_path \(scratch)/uwsgi;
                scgi_temp_path \(scratch)/scgi;
                types { text/css css; text/html html; }
                server {
                    listen 127.0.0.1:\(port);
                    root \(root);
                }
            }

            """
        guard Report.write(configuration, to: scratch + "/nginx.conf"),
              let child = try? ChildProcess(nginx, ["-c", scratch + "/nginx.conf", "-p", scratch, "-e", scratch + "/error.log"]) else {
            return nil
        }
        let process = NginxProcess(child: child, port: port)
        for _ in 0..<200 {
            if DemoPage.get(port: port, "/index.html", timeout: .seconds(1))?.status == 200 { return process }
            Clock.sleep(seconds: 0.05)
        }
        process.stop()
        return nil
    }

    func stop() { _ = child.stop(terminate: true) }

    /// A port nothing listens on now (bound to 0 and released).
    private static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
