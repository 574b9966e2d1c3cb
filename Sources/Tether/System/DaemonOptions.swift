/// The command line of `tetherd` and of every binary run by `Daemon.run`; see `usage(for:)`.
public struct DaemonOptions: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// `--www DIR`: pages from this directory, overriding the server's own (embedded or not).
    public var www: String?
    /// `--systemd-units DIR`: write this binary's units into DIR and exit.
    public var systemdUnits: String?
    /// Extra names the server answers for (`--allow-host`, repeatable).
    public var allowHosts: [String] = []
    /// Open the start page in an app window once listening.
    public var open = false
    /// Exit once no page has polled for this long.
    public var exitWhenIdle: Duration?
    /// How long a poll is held when nothing is queued.
    public var pollHold: Duration?
    /// `--max-sessions N`: open pages at most (`BridgeConfiguration.maxSessions` when nil).
    public var maxSessions: Int?
    public var verbose = false
    public var showHelp = false
    public var showVersion = false

    public init() {}

    public struct UsageError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The usage text, naming the binary (`tetherd`, `hello`).
    public static func usage(for program: String) -> String {
        let indent = String(repeating: " ", count: program.count + 8)
        return """
        usage: \(program) [--host H] [--port P] [--www DIR] [--allow-host NAME]... [--open]
        \(indent)[--exit-when-idle SECONDS] [--poll-hold SECONDS] [--max-sessions N] [--verbose]
        \(indent)[--systemd-units DIR] [--help] [--version]
          --host H                  address to bind (default 127.0.0.1; ::1, :: and 0.0.0.0 work too)
          --port P                  port to bind, 0 for any free one (default 8080)
          --www DIR                 directory of pages to serve (default: the pages compiled into
                                    the binary, else ./www)
          --allow-host NAME         also answer for this Host (kiosk.local, kiosk.local:8080); repeatable
          --open                    open the start page in an app window (chromium --app, else xdg-open;
                                    $TETHER_BROWSER overrides the command)
          --exit-when-idle SECONDS  exit once no page has polled for this long (a desktop app closes
                                    with its window)
          --poll-hold SECONDS       how long a page's poll waits for commands (default 20)
          --max-sessions N          open pages at most (default 1000)
          --verbose                 also log every request (debug level)
          --systemd-units DIR       write \(program).socket, \(program).service and \(program)-kiosk.service
                                    into DIR (running this binary by its absolute path, with the
                                    other flags given), then exit
          --help       show this text
          --version    show the version
        """
    }

    /// A positive number of seconds, at most a day (`0.5`, `20`).
    private static func seconds(_ text: String, for name: String) throws(UsageError) -> Duration {
        guard let value = Double(text), value.isFinite, value > 0, value <= 86_400 else {
            throw UsageError(description: "\(name) must be a number of seconds above 0, not '\(text)'")
        }
        return .milliseconds(Int((value * 1000).rounded()))
    }

    /// Parses the arguments after the program name; `--port=8080` and `--port 8080` both work.
    public static func parse(_ arguments: [String]) throws(UsageError) -> DaemonOptions {
        var options = DaemonOptions()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            func value() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = rest.popFirst() else { throw UsageError(description: "\(name) needs a value") }
                return next
            }
            // A flag takes no value: `--verbose=false` must not quietly turn it on.
            func noValue() throws(UsageError) {
                if inlineValue != nil { throw UsageError(description: "\(name) takes no value") }
            }
            switch name {
            case "--host":
                let host = try value()
                guard !host.isEmpty else { throw UsageError(description: "--host needs a non-empty address") }
                options.host = host
            case "--port":
                let text = try value()
                guard let port = Int(text), (0...65535).contains(port) else {
                    throw UsageError(description: "--port must be a number from 0 to 65535, not '\(text)'")
                }
                options.port = port
            case "--www":
                let www = try value()
                guard !www.isEmpty else { throw UsageError(description: "--www needs a directory") }
                options.www = www
            case "--systemd-units":
                let directory = try value()
                guard !directory.isEmpty else { throw UsageError(description: "--systemd-units needs a directory") }
                options.systemdUnits = directory
            case "--allow-host":
                let host = try value()
                guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else {
                    throw UsageError(description: "--allow-host needs a host name, not '\(host)'")
                }
                options.allowHosts.append(host)
            case "--open": try noValue(); options.open = true
            case "--exit-when-idle": options.exitWhenIdle = try seconds(try value(), for: name)
            case "--poll-hold": options.pollHold = try seconds(try value(), for: name)
            case "--max-sessions":
                let text = try value()
                guard let count = Int(text), (1...1_000_000).contains(count) else {
                    throw UsageError(description: "--max-sessions must be a number from 1 to 1000000, not '\(text)'")
                }
                options.maxSessions = count
            case "--verbose": try noValue(); options.verbose = true
            case "--help", "-h": try noValue(); options.showHelp = true
            case "--version": try noValue(); options.showVersion = true
            default:
                throw UsageError(description: "unknown option '\(argument)'")
            }
        }
        return options
    }
}
