import Dispatch
import Synchronization
import Tether

/// The page side of a `TestPage`: a thread that polls the session as the page script would,
/// records every command, and answers reads by the rules it was given.
final class SimulatedBrowser: Sendable {
    private let session: Session
    private let state = Mutex(State())

    private struct State {
        var received: [String] = []
        /// Every statement ever received, kept when `take` empties `received`.
        var history: [String] = []
        var ack = 0
        var rules: [@Sendable (String) -> ReadOutcome?] = []
    }

    init(session: Session) {
        self.session = session
        let started = PosixThread.start(stackBytes: 256 * 1024) { [weak self] in
            while let browser = self, browser.session.isOpen {
                browser.pollOnce(hold: .milliseconds(50))
            }
        }
        precondition(started, "cannot start the simulated browser's thread")
    }

    func addRule(_ rule: @escaping @Sendable (String) -> ReadOutcome?) {
        state.withLock { $0.rules.insert(rule, at: 0) }  // newest rule wins
    }

    var received: [String] { state.withLock { $0.received } }

    var history: [String] { state.withLock { $0.history } }

    func take() -> [String] {
        state.withLock { state in
            defer { state.received.removeAll() }
            return state.received
        }
    }

    /// Takes whatever is queued now, without waiting.
    func drain() {
        if session.pendingCommandCount > 0 { pollOnce(hold: .zero) }
    }

    private func pollOnce(hold: Duration) {
        let ack = state.withLock { $0.ack }
        guard case .commands(let commands) = session.poll(acknowledging: ack, results: [], hold: hold) else { return }
        var results: [(id: Int, outcome: ReadOutcome)] = []
        for command in commands {
            let seq = command.seq
            let js = command.operation.code
            let rules = state.withLock { state -> [@Sendable (String) -> ReadOutcome?]? in
                guard seq > state.ack else { return nil }
                state.ack = seq
                state.received.append(js)
                state.history.append(js)
                return state.rules
            }
            guard let rules, let id = command.readID else { continue }
            if let outcome = rules.lazy.compactMap({ $0(js) }).first { results.append((id, outcome)) }
        }
        let newAck = state.withLock { $0.ack }
        if !results.isEmpty || newAck != ack {
            // Acknowledge and deliver answers at once, as the page's next poll would.
            _ = session.poll(acknowledging: newAck, results: results, hold: .zero)
        }
    }
}
