import XCTest
@testable import TetherHTTP

/// Every control character in a log message is escaped: one event is one line, and nothing
/// a page sends can end a journald record early (NUL) or forge a new line at any priority.
final class LogEscapingTests: XCTestCase {
    func testControlCharactersAreEscapedInOneLine() {
        let lines = LockedLines()
        let log = Log(level: .debug, sink: lines.append)
        log.warning("page says: a\u{0}b\rc\nd\te\u{1B}[31mf\u{7F}g\u{85}h é 😀")
        XCTAssertEqual(lines.all, ["<4>page says: a\\0b\\rc\\nd\\te\\x1b[31mf\\x7fg\\u{85}h é 😀\n"])
    }

    func testForgedPriorityStaysInsideTheLine() {
        let lines = LockedLines()
        Log(sink: lines.append).info("x\n<0>emergency")
        XCTAssertEqual(lines.all, ["<6>x\\n<0>emergency\n"])
    }

    func testPlainTextIsUnchanged() {
        XCTAssertEqual(Log.escapingControlCharacters("listening on http://127.0.0.1:8080"), "listening on http://127.0.0.1:8080")
    }
}

/// A log sink that keeps its lines.
final class LockedLines: @unchecked Sendable {
    // `@unchecked`: `lines` is touched only under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.withLock { lines } }
    @Sendable func append(_ line: String) { lock.withLock { lines.append(line) } }
}
