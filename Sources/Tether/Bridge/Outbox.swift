import TetherHTTP

/// A page's queued commands, in order, each kept until the page acknowledges its seq:
/// a poll lost on the way is answered again with the same commands.
struct Outbox {
    struct Command: Equatable {
        let seq: Int
        let operation: PageOperation
        /// Set on reads: the page answers with this id.
        let readID: Int?
        /// Names the target of a pure assignment: a full outbox keeps only the newest
        /// command with the same key.
        let coalescingKey: String?
    }

    private(set) var commands: [Command] = []
    private(set) var lastSeq = 0

    var count: Int { commands.count }
    var isEmpty: Bool { commands.isEmpty }

    @discardableResult
    mutating func append(_ operation: PageOperation, readID: Int? = nil, coalescingKey: String? = nil) -> Int {
        lastSeq += 1
        commands.append(Command(seq: lastSeq, operation: operation, readID: readID, coalescingKey: coalescingKey))
        return lastSeq
    }

    /// Drops every command up to `seq`, which the page has evaluated.
    mutating func acknowledge(upTo seq: Int) {
        guard let first = commands.first, seq >= first.seq else { return }
        if let keep = commands.firstIndex(where: { $0.seq > seq }) {
            commands.removeFirst(keep)
        } else {
            commands.removeAll(keepingCapacity: commands.count < 64)
        }
    }

    /// Keeps only the newest of the pure assignments to each target (last write wins);
    /// statements, reads and lone assignments stay. Returns how many were dropped.
    @discardableResult
    mutating func coalesce() -> Int {
        var newest: [String: Int] = [:]
        for command in commands {
            if let key = command.coalescingKey { newest[key] = command.seq }
        }
        let before = commands.count
        commands.removeAll { command in
            guard let key = command.coalescingKey else { return false }
            return newest[key] != command.seq
        }
        return before - commands.count
    }

    mutating func removeAll() { commands.removeAll() }

    /// Whether a read (a command the page must answer) is waiting.
    var hasReads: Bool { commands.contains { $0.readID != nil } }

    /// The commands as the page gets them (`ProtocolCodec` writes them).
    var pageCommands: [PageCommand] {
        commands.map { PageCommand(seq: $0.seq, readID: $0.readID, operation: $0.operation) }
    }
}
