import TetherBridge

/// One command from the server, as a poll or an inline reply carries it.
package struct PageCommand: Sendable, Equatable {
    package let seq: Int
    /// Set on reads: the answer goes back under this id with the next poll.
    package let readID: Int?
    /// The JavaScript the page runs (or evaluates, for a read).
    package let code: String

    package init(seq: Int, readID: Int? = nil, code: String) {
        self.seq = seq
        self.readID = readID
        self.code = code
    }
}

/// How a page answers a read: `.value(json)` or `.exception("TypeError: …")`; nil leaves it
/// unanswered (the server's read times out).
package typealias ReadRule = @Sendable (PageCommand) -> ReadOutcome?
