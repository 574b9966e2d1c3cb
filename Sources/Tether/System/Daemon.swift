#if canImport(Glibc)
import Glibc
#endif
import Tether

/// What `tetherd` does, as a function that returns the exit status (so it can be tested and
/// `main.swift` stays one line).
public enum Daemon {
    public enum ExitCode {
        public static let ok: Int32 = 0
        public static let failure: Int32 = 1
        /// EX_USAGE
        public static let usage: Int32 = 64
        /// EX_NOINPUT
        public static let noInput: Int32 = 66
    }

    /// Runs until SIGTERM or SIGINT. `makeServer` builds the server (the demos, or your apps).
    public static func run(arguments: [String], makeServer: (Server.Configuration) -> Server) -> Int32 {
        let options: DaemonOptions
        do {
            options = try DaemonOptions.parse(arguments)
        } catch {
            Log.standardError("tetherd: \(error.description)\n\(DaemonOptions.usage)\n")
            return ExitCode.usage
        }
        if options.showHelp {
            print(DaemonOptions.usage)
            return ExitCode.ok
        }
        if options.showVersion {
            print("tetherd \(Server.version)")
            return ExitCode.ok
        }

        var configuration = Server.Configuration()
        configuration.http.host = options.host
        configuration.http.port = options.port
        configuration.www = options.www
        configuration.log = Log(level: options.verbose ? .debug : .info)
        configuration.allowedHosts = options.allowHosts
        if let hold = options.pollHold { configuration.bridge.pollHold = hold }
        let log = configuration.log

        // Before any thread starts, so that every thread inherits the blocked mask.
        let signals = SignalWaiter()
        signals.block()

        // systemd's variables are read and unset before any thread starts (unsetenv is not thread-safe).
        let notifier = SystemdNotifier.fromEnvironment(log: log)
        let watchdogInterval = Watchdog.pingIntervalFromEnvironment(log: log)
        let inherited: Listener?
        do { inherited = try SocketActivation.takeListener(log: log) } catch {
            log.error(error.description)
            return ExitCode.failure
        }
        if let inherited { configuration.http.host = inherited.host }
        let server = makeServer(configuration)
        do {
            if let inherited { try server.start(on: inherited) } else { try server.start() }
        } catch {
            log.error(error.description)
            if case .www = error { return ExitCode.noInput }
            return ExitCode.failure
        }
        if let inherited {
            log.info("listening on inherited socket http://\(displayHost(inherited.host)):\(server.port)")
        } else {
            log.info("listening on http://\(displayHost(options.host)):\(server.port)")
        }
        notifier?.notify(["READY=1", "MAINPID=\(getpid())", "STATUS=\(Watchdog.status(of: server))"])
        let watchdog = notifier.map { Watchdog(for: server, notifier: $0, pingInterval: watchdogInterval, log: log) }
        watchdog?.start()
        if options.open { openStartPage(port: server.port, host: configuration.http.host, log: log) }
        if let limit = options.exitWhenIdle { IdleExit.watch(server, after: limit, log: log) }

        while true {
            switch signals.wait() {
            case .reload:
                log.info("SIGHUP: reloading every open page (\(server.pages.count))")
                server.reloadAllPages()
            case .terminate(let signal):
                log.info("\(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping")
                watchdog?.stop()
                notifier?.notify(["STOPPING=1", "STATUS=stopping"])
                server.stop()
                log.info("stopped")
                return ExitCode.ok
            }
        }
    }

    private static func openStartPage(port: Int, host: String, log: Log) {
        // A wildcard bind is still reached through loopback from this machine.
        let reachable = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        let url = "http://\(displayHost(reachable)):\(port)/"
        let environment = ["TETHER_BROWSER", "PATH"].reduce(into: [String: String]()) { found, name in
            found[name] = ProcessEnvironment.value(name)
        }
        do {
            let opened = try DesktopLauncher.open(url, environment: environment)
            log.info("opened \(url) with: \(opened.command.joined(separator: " ")) (pid \(opened.pid))")
        } catch {
            log.warning(error.description)
        }
    }

    static func displayHost(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
