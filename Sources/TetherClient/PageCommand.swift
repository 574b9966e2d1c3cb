import TetherBridge

/// One command from the server, as a poll or an inline reply carries it.
package struct PageCommand: Sendable, Equatable {
    package let seq: Int
    /// Set on reads: the answer goes back under this id with the next poll.
    package let readID: Int?
    /// What the page applies (a write, a statement, a read).
    package let operation: PageOperation

    package init(seq: Int, readID: Int? = nil, operation: PageOperation) {
        self.seq = seq
        self.readID = readID
        self.operation = operation
    }

    /// The operation as the JavaScript builder spells it (`a.b=1`), for records and read rules.
    package var code: String { operation.code }
}

/// How a page answers a read: `.value(json)` or `.exception("TypeError: …")`; nil leaves it
/// unanswered (the server's read times out).
package typealias ReadRule = @Sendable (PageCommand) -> ReadOutcome?
