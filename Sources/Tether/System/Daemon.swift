#if canImport(Glibc)
import Glibc
#endif
import Tether
import TetherSupport

/// Runs a server as Tether's daemon: `tetherd` is the demos' server run this way, and an app's
/// binary is its own server run this way (`server.runAsDaemon()`):
///
///     let server = Server(configuration: configuration)
///     server.bind("index.html", to: Greeter.self)
///     server.runAsDaemon()   // flags, sd_notify and watchdog, socket activation, SIGHUP, SIGTERM
public enum Daemon {
    public enum ExitCode {
        public static let ok: Int32 = 0
        public static let failure: Int32 = 1
        /// EX_USAGE: a bad flag.
        public static let usage: Int32 = 64
        /// EX_NOINPUT: the www directory is missing.
        public static let noInput: Int32 = 66
        /// EX_CANTCREAT: the `--systemd-units` directory cannot be written.
        public static let cannotCreate: Int32 = 73
        /// EX_CONFIG: a page bound twice, or bound to a file www does not hold.
        public static let config: Int32 = 78
    }

    /// The running binary's absolute path (`/proc/self/exe`), nil when it cannot be read.
    public static var executablePath: String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The binary's name, for its usage text, its logs and its units (`tetherd`, `hello`).
    public static var programName: String {
        let path = executablePath ?? CommandLine.arguments.first ?? "tetherd"
        return path.split(separator: "/").last.map(String.init) ?? "tetherd"
    }

    /// Applies the flags in `arguments` to `server`, serves until SIGTERM or SIGINT (SIGHUP
    /// reloads every page), and returns the exit status (`ExitCode`). `--systemd-units DIR`
    /// writes the binary's units instead; `--help` and `--version` print and return.
    public static func run(_ server: Server, arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Int32 {
        let program = programName
        let options: DaemonOptions
        do {
            options = try DaemonOptions.parse(arguments)
        } catch {
            Log.standardError("\(program): \(error.description)\n\(DaemonOptions.usage(for: program))\n")
            return ExitCode.usage
        }
        if options.showHelp {
            print(DaemonOptions.usage(for: program))
            return ExitCode.ok
        }
        if options.showVersion {
            print("\(program) \(Server.version)")
            return ExitCode.ok
        }
        if let directory = options.systemdUnits {
            return writeUnits(to: directory, options: options, program: program)
        }

        let log = Log(level: options.verbose ? .debug : .info)
        do {
            try server.configure { configuration in
                configuration.http.host = options.host
                configuration.http.port = options.port
                if let www = options.www {
                    configuration.www = www
                    configuration.embedded = nil
                }
                configuration.log = log
                configuration.allowedHosts += options.allowHosts
                if let hold = options.pollHold { configuration.bridge.pollHold = hold }
                if let limit = options.maxSessions { configuration.bridge.maxSessions = limit }
                if let limit = options.exitWhenIdle {
                    configuration.bridge.pollHold = IdleExit.pollHold(configuration.bridge.pollHold, limit: limit)
                }
            }
        } catch {
            log.error(error.description)
            return ExitCode.failure
        }

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
        if let inherited { try? server.configure { $0.http.host = inherited.host } }
        do {
            if let inherited { try server.start(on: inherited) } else { try server.start() }
        } catch {
            log.error(error.description)
            switch error {
            case .www: return ExitCode.noInput
            case .bindings: return ExitCode.config
            default: return ExitCode.failure
            }
        }
        if let inherited {
            log.info("listening on inherited socket http://\(displayHost(inherited.host)):\(server.port)")
        } else {
            log.info("listening on http://\(displayHost(options.host)):\(server.port)")
        }
        notifier?.notify(["READY=1", "MAINPID=\(getpid())", "STATUS=\(Watchdog.status(of: server))"])
        let watchdog = notifier.map { Watchdog(for: server, notifier: $0, pingInterval: watchdogInterval, log: log) }
        watchdog?.start()
        if options.open { openStartPage(port: server.port, host: server.configuration.http.host, log: log) }
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

    /// `--systemd-units DIR`: the three units, named after this binary, into DIR.
    private static func writeUnits(to directory: String, options: DaemonOptions, program: String) -> Int32 {
        guard let executable = executablePath else {
            Log.standardError("\(program): cannot read /proc/self/exe to name this binary in its units\n")
            return ExitCode.failure
        }
        let units = SystemdUnits(name: program, executable: executable, options: options)
        do {
            let written = try units.write(to: directory)
            for path in written { print(path) }
            return ExitCode.ok
        } catch {
            Log.standardError("\(program): \(error.description)\n")
            return ExitCode.cannotCreate
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

extension Server {
    /// Runs this server as Tether's daemon with the process's flags (`Daemon.run`) and exits
    /// the process with its status when it stops: the last line of an app's `main.swift`.
    public func runAsDaemon() -> Never {
        exit(Daemon.run(self))
    }
}
