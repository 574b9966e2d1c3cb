import Foundation
import TetherSupport
import XCTest
import TetherClient
import Tether
import TetherDemos
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


/// End to end: a page answers a read with an error message holding NUL, CR and LF; the
/// handler that read it fails, and the log gets exactly one line, escaped.
final class PageTextInLogTests: XCTestCase {
    func testPageSuppliedErrorMessageIsOneEscapedLogLine() throws {
        let lines = LockedLines()
        let server = try startDemoServer { $0.log = Log(level: .info, sink: lines.append) }
        defer { server.stop() }
        let browser = try PageClient.live(port: server.port, path: "/factor.html") { _ in .exception("boom\u{0}\r\n<0>forged\u{1B}[2J") }
        defer { browser.vanish() }
        XCTAssertEqual(refusal { try browser.call("demo", "5") }, 500)
        let failures = lines.all.filter { $0.contains("handler failed") }
        XCTAssertEqual(failures.count, 1, "\(lines.all)")
        let line = try XCTUnwrap(failures.first)
        XCTAssertTrue(line.contains(#"boom\0\r\n<0>forged\x1b[2J"#), line)
        XCTAssertEqual(line.filter { $0.isNewline }.count, 1, "one line, ended once")
        XCTAssertEqual(line.last, "\n")
        XCTAssertFalse(line.unicodeScalars.dropLast().contains { $0.value < 0x20 || $0.value == 0x7F }, line)
    }
}
