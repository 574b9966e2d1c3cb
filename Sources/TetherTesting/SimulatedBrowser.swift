import Synchronization
import Tether
import TetherClient

/// The page side of a `TestPage`: the shared page client, polling the page's Bridge in
/// process (no sockets), recording every command and answering reads by the rules it was given.
final class SimulatedBrowser: Sendable {
    private let session: Session
    private let client: PageClient
    private let record = Record()

    private final class Record: Sendable {
        let state = Mutex(State())
    }

    private struct State {
        var received: [String] = []
        /// Every statement ever received, kept when `take` empties `received`.
        var history: [String] = []
        var rules: [@Sendable (String) -> ReadOutcome?] = []
    }

    init(session: Session, bridge: Bridge) throws {
        self.session = session
        let record = record
        client = try PageClient(session: session.id, pagePath: "/" + session.pagePath, over: HandlerTransport(bridge),
                                recording: false) { command in
            let rules = record.state.withLock { state in
                state.received.append(command.code)
                state.history.append(command.code)
                return state.rules
            }
            guard command.readID != nil else { return nil }
            return rules.lazy.compactMap { $0(command.code) }.first
        }
        client.startPolling(hold: bridge.configuration.pollHold)
    }

    func addRule(_ rule: @escaping @Sendable (String) -> ReadOutcome?) {
        record.state.withLock { $0.rules.insert(rule, at: 0) }  // newest rule wins
    }

    var received: [String] { record.state.withLock { $0.received } }

    var history: [String] { record.state.withLock { $0.history } }

    func take() -> [String] {
        record.state.withLock { state in
            defer { state.received.removeAll() }
            return state.received
        }
    }

    /// Takes whatever is queued now (a poll answers at once while anything is unacknowledged),
    /// and waits for what the polling thread took meanwhile to be recorded.
    func drain() {
        if session.pendingCommandCount > 0 { try? client.pollOnce(hold: .zero) }
        client.settle()
    }
}
