#if canImport(Glibc)
import Glibc
#endif
import Tether
import TetherDemos
import TetherSupport

/// `tether-bench serve …`: the demo server as a child process, with limits tetherd has no
/// flags for (connections, session timeouts), so its memory can be read alone. It is the same
/// `Demos.server` tetherd runs; it stops when its stdin closes (the bench ended or died).
enum ServeMode {
    struct Settings {
        var www = "./www"
        var maxConnections = 16_384
        var pollHold = 20.0
        var firstPollTimeout = 30.0
        var pollGapTimeout = 60.0
        var sweepInterval = 1.0
        var maxSessions = 1000
        /// Serve the bare route instead of the demos (for profiling the HTTP layer alone).
        var bare = false

        var arguments: [String] {
            ["serve", "--www", www, "--max-connections", String(maxConnections), "--poll-hold", String(pollHold),
             "--first-poll-timeout", String(firstPollTimeout), "--poll-gap-timeout", String(pollGapTimeout),
             "--sweep-interval", String(sweepInterval), "--max-sessions", String(maxSessions)]
        }
    }

    static let maxLifetimeSeconds = 3600

    static func run(_ arguments: [String]) -> Int32 {
        var settings = Settings()
        var rest = arguments[...]
        while let name = rest.popFirst() {
            if name == "--bare" {
                settings.bare = true
                continue
            }
            guard let value = rest.popFirst() else { return usage("\(name) needs a value") }
            switch name {
            case "--www": settings.www = value
            case "--max-connections":
                guard let number = Int(value), number > 0 else { return usage("bad \(name)") }
                settings.maxConnections = number
            case "--max-sessions":
                guard let number = Int(value), number > 0 else { return usage("bad \(name)") }
                settings.maxSessions = number
            case "--poll-hold", "--first-poll-timeout", "--poll-gap-timeout", "--sweep-interval":
                guard let seconds = Double(value), seconds > 0, seconds < 86_400 else { return usage("bad \(name)") }
                switch name {
                case "--poll-hold": settings.pollHold = seconds
                case "--first-poll-timeout": settings.firstPollTimeout = seconds
                case "--poll-gap-timeout": settings.pollGapTimeout = seconds
                default: settings.sweepInterval = seconds
                }
            default: return usage("unknown option \(name)")
            }
        }
        var configuration = Server.Configuration()
        configuration.http.host = "127.0.0.1"
        configuration.http.port = 0
        configuration.http.maxConnections = settings.maxConnections
        configuration.www = settings.www
        configuration.bridge.pollHold = .milliseconds(Int(settings.pollHold * 1000))
        configuration.bridge.firstPollTimeout = .milliseconds(Int(settings.firstPollTimeout * 1000))
        configuration.bridge.pollGapTimeout = .milliseconds(Int(settings.pollGapTimeout * 1000))
        configuration.bridge.sweepInterval = .milliseconds(Int(settings.sweepInterval * 1000))
        configuration.bridge.maxSessions = settings.maxSessions
        configuration.log = Log(level: .warning)
        if settings.bare { return serveBare(configuration.http) }
        let server = Demos.server(configuration: configuration)
        do { try server.start() } catch {
            Log.standardError("<3>\(error)\n")
            return 1
        }
        Log.standardError("<6>listening on http://127.0.0.1:\(server.port)\n")
        waitForStdinToClose()
        server.stop()
        return 0
    }

    private static func serveBare(_ configuration: HTTPConfiguration) -> Int32 {
        let reply = InProcessServers.getresultReply
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration, handler: HandlerFunction { _ in
                HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: reply)
            }, log: Log(level: .warning))
        } catch {
            Log.standardError("<3>\(error)\n")
            return 1
        }
        server.start()
        Log.standardError("<6>listening on http://127.0.0.1:\(server.port)\n")
        waitForStdinToClose()
        server.stop()
        return 0
    }

    private static func waitForStdinToClose() {
        // Until stdin closes: the bench closes it to stop this server, and so does its exit.
        var input = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        var byte: UInt8 = 0
        for _ in 0..<maxLifetimeSeconds {
            let ready = poll(&input, 1, 1000)
            if ready < 0 && errno != EINTR { break }
            if ready > 0 && read(0, &byte, 1) <= 0 { break }
        }
    }

    private static func usage(_ message: String) -> Int32 {
        Log.standardError("tether-bench serve: \(message)\n")
        return 64
    }
}
