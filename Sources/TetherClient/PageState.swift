import TetherBridge

/// The page's side of the poll as a value, kept by whoever drives the I/O (a `PageClient`'s
/// thread, or one thread multiplexing many pages): which commands have run (`ack`) and the
/// answers to reads that go with the next poll. As the page script does, each command runs
/// once, in seq order, whether it came in a poll or inline in a call's reply.
package struct PageState: Sendable {
    package let session: String
    /// The highest seq run so far.
    package private(set) var ack = 0
    private var results: [BridgeMessage.Result] = []

    package init(session: String) { self.session = session }

    /// The next poll: acknowledges what has run and carries the answers owed, then forgets them.
    /// (The server holds reads back from inline replies, so every answer goes with a poll.)
    package mutating func nextPoll() -> BridgeMessage {
        defer { results.removeAll(keepingCapacity: true) }
        return .next(ack: ack, results: results)
    }

    /// The commands not run yet, in seq order; the ack moves past them.
    package mutating func take(_ commands: [PageCommand]) -> [PageCommand] {
        var fresh: [PageCommand] = []
        for command in commands where command.seq > ack {
            ack = command.seq
            fresh.append(command)
        }
        return fresh
    }

    /// Keeps a read's answer for the next poll; nil leaves it unanswered.
    package mutating func answer(_ command: PageCommand, with outcome: ReadOutcome?) {
        guard let id = command.readID, let outcome else { return }
        results.append(BridgeMessage.Result(id: id, outcome: outcome))
    }

    /// Runs the fresh ones of `commands` with `run` and keeps the answers to reads.
    package mutating func run(_ commands: [PageCommand], _ run: (PageCommand) -> ReadOutcome?) {
        for command in take(commands) { answer(command, with: run(command)) }
    }
}
