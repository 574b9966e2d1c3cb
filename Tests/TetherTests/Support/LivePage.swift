import TetherBridge
import TetherClient

/// The shared page client as most tests use it: a page loaded over a real socket that polls
/// from the start and answers reads by `evaluate` (null unless told otherwise).
extension PageClient {
    static func live(port: Int, path: String = "/index.html",
                     evaluate: @escaping @Sendable (String) -> ReadOutcome = { _ in .value(.null) }) throws -> PageClient {
        let page = try PageClient(loading: path, over: SocketTransport(port: port)) { evaluate($0.code) }
        page.startPolling()
        return page
    }

    /// `call("getresult", "125, 99")`: the arguments written as JSON, without the brackets.
    @discardableResult
    func call(_ function: String, _ arguments: String) throws -> JSONValue {
        guard case .array(let values) = try JSONParser.parse("[" + arguments + "]") else { return .null }
        return try call(function, values)
    }

    /// A raw body on the page's endpoint, for tests of the wire itself.
    func post(_ json: String, port: Int) -> RawConnection.Response? {
        (try? RawConnection(port: port))?.post(endpoint, json: json)
    }
}

/// The status a refused request was answered with (nil when it was not refused).
func refusal(_ body: () throws -> Any) -> Int? {
    do {
        _ = try body()
        return nil
    } catch {
        return (error as? ClientError)?.status
    }
}
