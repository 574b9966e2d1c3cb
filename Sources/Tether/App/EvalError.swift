import TetherSupport

/// Why `page.eval` has no value. Never a silent default.
public enum EvalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The page did not answer in time.
    case timedOut(statement: String, after: Duration)
    /// Evaluating the statement threw in the browser; `message` is the browser's (`TypeError: …`).
    case exception(message: String, statement: String)
    /// The page closed (or was never open) before it answered.
    case pageClosed(statement: String)
    /// The page answered with JSON that does not decode as the type asked for.
    case wrongType(expected: String, received: String, statement: String)
    /// The read can never be answered, so it fails at once instead of at the timeout:
    /// inside `init(page:)` the page's first request is still opening its session, so it cannot run anything yet.
    case unanswerable(statement: String, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let statement, let after):
            "no answer from the page within \(after.secondsValue) s to: \(statement)"
        case .exception(let message, let statement):
            "JavaScript exception: \(message) (in: \(statement))"
        case .pageClosed(let statement):
            "the page closed before answering: \(statement)"
        case .wrongType(let expected, let received, let statement):
            "expected \(expected) but the page answered \(received) to: \(statement)"
        case .unanswerable(let statement, let reason):
            "the page cannot answer \(statement): \(reason)"
        }
    }
}
