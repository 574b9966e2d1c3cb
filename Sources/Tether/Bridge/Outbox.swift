import TetherHTTP

/// A page's queued commands, in order, each kept until the page acknowledges its seq:
/// a poll lost on the way is answered again with the same commands.
struct Outbox {
    struct Command: Equatable {
        let seq: Int
        let js: String
        /// Set on reads: the page answers with this id.
        let readID: Int?
        /// Left side of a pure assignment, for coalescing.
        let target: String?
    }

    private(set) var commands: [Command] = []
    private(set) var lastSeq = 0

    var count: Int { commands.count }
    var isEmpty: Bool { commands.isEmpty }

    @discardableResult
    mutating func append(js: String, readID: Int? = nil, target: String? = nil) -> Int {
        lastSeq += 1
        commands.append(Command(seq: lastSeq, js: js, readID: readID, target: target))
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
            if let target = command.target { newest[target] = command.seq }
        }
        let before = commands.count
        commands.removeAll { command in
            guard let target = command.target else { return false }
            return newest[target] != command.seq
        }
        return before - commands.count
    }

    mutating func removeAll() { commands.removeAll() }

    /// Whether a read (a command the page must answer) is waiting.
    var hasReads: Bool { commands.contains { $0.readID != nil } }

    /// `{"commands":[{"seq":1,"js":"…"},{"seq":2,"js":"…","id":1}]}`
    var pollResponseJSON: String { "{\"commands\":" + commandsJSON + "}" }

    /// `[{"seq":1,"js":"…"},…]`
    var commandsJSON: String {
        var out = "["
        for (index, command) in commands.enumerated() {
            if index > 0 { out += "," }
            out += "{\"seq\":\(command.seq),\"js\":"
            out += JSONText.quote(command.js)
            if let id = command.readID { out += ",\"id\":\(id)" }
            out += "}"
        }
        out += "]"
        return out
    }
}
