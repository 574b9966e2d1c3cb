import Synchronization
import TetherHTTP

/// Something that went wrong in the page, reported to the server: a pushed statement that
/// threw, the page's own uncaught error or unhandled rejection, or (Swift side) a value the
/// app assigned that JSON cannot hold.
public struct PageError: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A statement Swift pushed threw when the page ran it.
        case command
        /// The page's own uncaught exception (`window.onerror`).
        case uncaught
        /// A promise rejected with no handler, in the page's own code or a `server.…` call.
        case rejection
        /// An assignment from Swift whose value JSON cannot hold; it was never sent.
        case unencodable
    }

    public let kind: Kind
    /// The command's sequence number, for `.command`.
    public let seq: Int?
    /// The error's name (`TypeError`).
    public let name: String
    public let message: String
    /// The statement that failed (shortened to 200 characters), or where the error was thrown.
    public let statement: String

    public init(kind: Kind, seq: Int? = nil, name: String, message: String, statement: String) {
        self.kind = kind
        self.seq = seq
        self.name = String(name.prefix(100))
        self.message = String(message.prefix(500))
        self.statement = statement.count > 200 ? statement.prefix(199) + "…" : statement
    }

    public var description: String {
        let what = switch kind {
        case .command: "command \(seq.map(String.init) ?? "?") failed"
        case .uncaught: "uncaught error"
        case .rejection: "unhandled rejection"
        case .unencodable: "assignment not sent"
        }
        let error = name.isEmpty ? message : message.isEmpty ? name : "\(name): \(message)"
        return "\(what): \(error)" + (statement.isEmpty ? "" : " (in: \(statement))")
    }

    /// The description with every control character escaped, for a log line: the text came
    /// from the page.
    var logText: String {
        var out = ""
        for scalar in description.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F..<0xA0, 0x2028, 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Errors reported by every page of a registry, counted for `/_health`.
final class PageErrorCount: Sendable {
    private let count = Atomic<Int>(0)

    func add(_ n: Int) { count.add(n, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}
