import TetherBridge
import TetherHTTP
import TetherClient

/// The bench's browser pages: the shared `PageClient` over loopback sockets, answering reads
/// as the demo pages' own script would.
enum DemoPage {
    /// Loads `path` and starts its poll; `observe` sees each command as it runs, with the time.
    static func open(port: Int, path: String = "/index.html",
                     observe: @escaping @Sendable (PageCommand, Int64) -> Void = { _, _ in }) throws(BenchError) -> PageClient {
        do {
            let page = try PageClient(loading: path, over: SocketTransport(port: port), recording: false) { command in
                observe(command, Clock.nanos())
                return command.readID == nil ? nil : answer(command.code)
            }
            page.startPolling()
            return page
        } catch {
            throw BenchError("loading \(path): \(error)")
        }
    }

    /// The demo pages' globals, as a browser would evaluate them: `factor` is 1.3 and
    /// `adjust(v)` is `v * factor` (www/factor.html); anything else is not defined.
    static func answer(_ code: String) -> ReadOutcome {
        if code == "factor" { return .value(.number("1.3")) }
        if code.hasPrefix("adjust("), code.hasSuffix(")"), let value = Double(code.dropFirst(7).dropLast()) {
            return .value((value * 1.3).isFinite ? .number((value * 1.3).description) : .null)
        }
        return .exception("ReferenceError: \(code.prefix(40)) is not defined")
    }

    /// A call of `page` as request bytes, built once and sent many times.
    static func call(_ page: PageClient, _ function: String, _ arguments: [JSONValue] = [], inlineAck: Int? = nil) -> [UInt8] {
        SocketTransport.bytes(of: page.request(.call(function: function, arguments: arguments), inlineAck: inlineAck))
    }

    /// A keep-alive connection for a page's calls, beside its poll (as a browser has two).
    static func callConnection(port: Int) throws(BenchError) -> ClientConnection {
        do { return try ClientConnection(port: port) } catch { throw BenchError("a call connection: \(error)") }
    }

    /// `GET path` on a fresh connection: status and body, nil when nothing answered.
    static func get(port: Int, _ path: String, timeout: Duration = .seconds(5)) -> (status: Int, body: [UInt8])? {
        let request = HTTPRequest(method: "GET", target: path, headers: ["Host": "127.0.0.1:\(port)"])
        guard let response = try? SocketTransport(port: port).exchange(request, timeout: timeout) else { return nil }
        return (response.status.code, response.body)
    }
}
