import Foundation
import Synchronization
@testable import TetherBridge
import TetherHTTP

/// A scripted stand-in for a browser page, over real sockets: it loads a page, keeps its
/// long-poll alive on its own connection, "evaluates" each command by rule, answers reads
/// in its next poll, and makes calls on a second connection.
final class FakeBrowser: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    enum Answer: Sendable {
        case value(String)  // JSON text
        case error(String)
    }

    let port: Int
    let session: String
    private let base: String
    /// Answers reads: the command's JS in, a JSON value or an error out.
    private let evaluate: @Sendable (String) -> Answer
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)
    private let pollEnded = DispatchSemaphore(value: 0)
    private let callConnection: Mutex<RawConnection?>
    /// The poll connection's descriptor, so `vanish` can cut a held poll at once.
    private let pollDescriptor: Int32

    private struct State {
        var received: [String] = []
        var ack = 0
    }

    /// Loads `path` with a GET and starts polling.
    init(port: Int, path: String = "/index.html", evaluate: @escaping @Sendable (String) -> Answer = { _ in .value("null") }) throws {
        self.port = port
        self.evaluate = evaluate
        let loader = try RawConnection(port: port)
        guard let page = loader.request("GET", path), page.status == 200, let id = page.headers["x-tether-session"] else {
            throw Failure(description: "loading \(path) did not open a session")
        }
        session = id
        base = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)])
        callConnection = Mutex(try RawConnection(port: port))
        let pollConnection = try RawConnection(port: port)
        pollDescriptor = pollConnection.fd
        let box = UncheckedBox(pollConnection)
        Thread.detachNewThread { [self] in
            pollLoop(box.value)
            pollEnded.signal()
        }
    }

    /// Statements received, in order, each once.
    var received: [String] { state.withLock { $0.received } }

    /// Waits until `count` statements have arrived (or the timeout passes); returns them.
    @discardableResult
    func waitForStatements(_ count: Int, timeout: Double = 5) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let now = received
            if now.count >= count { return now }
            usleep(1000)
        }
        return received
    }

    /// `call("getresult", "125, 99")` → the response.
    func call(_ function: String, _ args: String = "") -> RawConnection.Response? {
        post("{\"session\":\"\(session)\",\"task\":\"call\",\"function\":\"\(function)\",\"args\":[\(args)]}")
    }

    func post(_ json: String) -> RawConnection.Response? {
        callConnection.withLock { $0?.post(base + "_process_srv0", json: json) }
    }

    /// Stops polling without telling the server (the page vanished).
    func vanish() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(pollDescriptor, Int32(SHUT_RDWR))
        _ = pollEnded.wait(timeout: .now() + 30)
    }

    /// Sends `unload` and stops polling.
    func unload() {
        _ = post("{\"session\":\"\(session)\",\"task\":\"unload\"}")
        vanish()
    }

    private func pollLoop(_ connection: RawConnection) {
        var results: [String] = []
        while !stopped.load(ordering: .relaxed) {
            let ack = state.withLock { $0.ack }
            let body = "{\"session\":\"\(session)\",\"task\":\"next\",\"ack\":\(ack),\"results\":[\(results.joined(separator: ","))]}"
            guard let response = connection.post(base + "_process_srv0", json: body, timeout: 60) else { return }
            guard response.status == 200, case .array(let commands)? = (try? JSONParser.parse(response.body))?["commands"] else { return }
            results = []
            for command in commands {
                guard let seq = command["seq"]?.intValue, let js = (try? PageOperation(json: command))?.code else { continue }
                let fresh = state.withLock { state -> Bool in
                    guard seq > state.ack else { return false }
                    state.ack = seq
                    state.received.append(js)
                    return true
                }
                guard fresh, let id = command["id"]?.intValue else { continue }
                switch evaluate(js) {
                case .value(let json): results.append("{\"id\":\(id),\"value\":\(json)}")
                case .error(let message): results.append("{\"id\":\(id),\"error\":\(JSONText.quote(message))}")
                }
            }
        }
    }
}

/// Hands a non-Sendable value to exactly one other thread.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
