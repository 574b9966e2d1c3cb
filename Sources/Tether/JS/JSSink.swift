import Synchronization
import TetherBridge

/// Where the statements a builder makes go: a page's outbox, or a recorder in tests.
public protocol JSSink: Sendable {
    /// Queues a statement. `assignmentTarget` is the left side of a pure assignment
    /// (`document.getElementById("count").innerHTML`), which lets a full outbox keep only
    /// the newest write to the same target.
    func queue(statement: String, assignmentTarget: String?)
    /// Queues an operation, which the builder sends: by default its code goes to
    /// `queue(statement:assignmentTarget:)`. `coalescingKey` is the pure assignment's target code.
    func queue(_ operation: PageOperation, coalescingKey: String?)
    /// An assignment whose value JSON cannot hold (`js.data = reading` with a NaN in it):
    /// nothing was queued. A page's sink logs it and hands it to the app's `pageError`.
    func report(unencodable error: JSONEncodingError, target: String)
}

extension JSSink {
    public func queue(_ operation: PageOperation, coalescingKey: String?) {
        queue(statement: operation.code, assignmentTarget: coalescingKey)
    }

    public func report(unencodable error: JSONEncodingError, target: String) {}
}

/// Keeps statements in order; `JS(sink: recorder)` gives a builder whose writes land here.
public final class JSRecorder: JSSink {
    private let recorded = Mutex<[PageOperation]>([])
    private let failures = Mutex<[String]>([])

    public init() {}

    public func queue(statement: String, assignmentTarget: String?) {
        recorded.withLock { $0.append(.run(.code(statement))) }
    }

    public func queue(_ operation: PageOperation, coalescingKey: String?) {
        recorded.withLock { $0.append(operation) }
    }

    public func report(unencodable error: JSONEncodingError, target: String) {
        failures.withLock { $0.append("\(target): \(error)") }
    }

    /// Assignments refused because JSON cannot hold their value, as `target: reason`.
    public var failed: [String] { failures.withLock { $0 } }

    /// Statements so far, oldest first, as code.
    public var statements: [String] { recorded.withLock { $0.map(\.code) } }

    /// The same, as the operations a page receives.
    public var operations: [PageOperation] { recorded.withLock { $0 } }
}
