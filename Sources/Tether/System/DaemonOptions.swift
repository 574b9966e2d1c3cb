/// `tetherd`'s command line: `tetherd [--host H] [--port P] [--www DIR] [--verbose] [--help] [--version]`.
public struct DaemonOptions: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var www = "./www"
    public var verbose = false
    public var showHelp = false
    public var showVersion = false

    public init() {}

    public struct UsageError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static let usage = """
        usage: tetherd [--host H] [--port P] [--www DIR] [--verbose] [--help] [--version]
          --host H     address to bind (default 127.0.0.1; ::1, :: and 0.0.0.0 work too)
          --port P     port to bind, 0 for any free one (default 8080)
          --www DIR    directory of pages to serve (default ./www)
          --verbose    also log every request (debug level)
          --help       show this text
          --version    show the version
        """

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
