import TetherBridge

extension PageCommand {
    /// The operation as the JavaScript builder spells it (`a.b=1`), for records and read rules.
    package var code: String { operation.code }
}

/// How a page answers a read: `.value(json)` or `.exception("TypeError: …")`; nil leaves it
/// unanswered (the server's read times out).
package typealias ReadRule = @Sendable (PageCommand) -> ReadOutcome?
