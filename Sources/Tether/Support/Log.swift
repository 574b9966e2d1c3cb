#if canImport(Glibc)
import Glibc
#endif

/// Syslog priorities, written as the `<N>` prefix that journald reads from stderr.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case error = 3
    case warning = 4
    case info = 6
    case debug = 7

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One line per event: `log.info("listening on http://127.0.0.1:8080")` writes
/// `<6>listening on http://127.0.0.1:8080` to stderr.
public struct Log: Sendable {
    /// Events less severe than this are dropped (debug is the request log).
    public var level: LogLevel
    private let sink: @Sendable (String) -> Void

    public init(level: LogLevel = .info, sink: @escaping @Sendable (String) -> Void = Log.standardError) {
        self.level = level
        self.sink = sink
    }

    /// Drops everything; for tests and embedding.
    public static let silent = Log(level: .error) { _ in }

    public func write(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard level <= self.level else { return }
        sink("<\(level.rawValue)>\(Self.escapingControlCharacters(message()))\n")
    }

    /// Every control character (C0, DEL, C1) as a visible escape: `\n`, `\r`, `\t`, `\0`,
    /// else `\x1b` or `\u{85}`. Messages carry text from outside (paths, a page's error
    /// messages); a raw LF or CR would forge a line, and journald ends a record at NUL.
    public static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{\(hex)}"
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F)
    }

    public func error(_ message: @autoclosure () -> String) { write(.error, message()) }
    public func warning(_ message: @autoclosure () -> String) { write(.warning, message()) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message()) }
    public func debug(_ message: @autoclosure () -> String) { write(.debug, message()) }

    /// One `write(2)` per line, so lines from different threads never interleave.
    @Sendable public static func standardError(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
