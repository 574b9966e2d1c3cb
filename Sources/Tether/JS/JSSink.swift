import Synchronization

/// Where the statements a builder makes go: a page's outbox, or a recorder in tests.
public protocol JSSink: Sendable {
    /// Queues a statement. `assignmentTarget` is the left side of a pure assignment
    /// (`document.getElementById("count").innerHTML`), which lets a full outbox keep only
    /// the newest write to the same target.
    func queue(statement: String, assignmentTarget: String?)
}

/// Keeps statements in order; `JS(sink: recorder)` gives a builder whose writes land here.
public final class JSRecorder: JSSink {
    private let recorded = Mutex<[String]>([])

    public init() {}

    public func queue(statement: String, assignmentTarget: String?) {
        recorded.withLock { $0.append(statement) }
    }

    /// Statements so far, oldest first.
    public var statements: [String] { recorded.withLock { $0 } }
}
