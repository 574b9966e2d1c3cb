import Foundation
import Synchronization
import XCTest
@testable import Tether
@testable import TetherBridge
import TetherTesting

/// Errors in the page reach Swift: parsed from `next`, logged at most once per interval with
/// a count, counted by `/_health`, and handed to the app's `pageError`.
final class PageErrorReportTests: XCTestCase {
    final class Listener: App {
        static let heard = Mutex<[String: [PageError]]>([:])
        let page: Page
        init(page: Page) { self.page = page }
        func pageError(_ error: PageError) { Self.heard.withLock { $0[page.id, default: []].append(error) } }
        static func heard(by id: String) -> [PageError] { heard.withLock { $0[id] ?? [] } }
        static var exposed: Exposed<Listener> { Exposed() }
    }

    func testNextCarriesErrorReports() throws {
        let body = #"{"session":"s","task":"next","ack":2,"errors":[{"kind":"command","seq":2,"name":"TypeError","message":"x is null","statement":"x.y=1"},{"kind":"rejection","message":"nope"}]}"#
        let envelope = try ProtocolCodec.decodeMessage(Array(body.utf8))
        XCTAssertEqual(envelope.message, .next(ack: 2, results: []))
        XCTAssertEqual(envelope.errors, [
            PageError(kind: .command, seq: 2, name: "TypeError", message: "x is null", statement: "x.y=1"),
            PageError(kind: .rejection, name: "", message: "nope", statement: ""),
        ])
        XCTAssertThrowsError(try ProtocolCodec.decodeMessage(Array(#"{"session":"s","task":"next","errors":{}}"#.utf8)))
        XCTAssertThrowsError(try ProtocolCodec.decodeMessage(Array(#"{"session":"s","task":"next","errors":[1]}"#.utf8)))
        let many = #"{"session":"s","task":"next","errors":["# + Array(repeating: #"{"message":"m"}"#, count: 80).joined(separator: ",") + "]}"
        XCTAssertEqual(try ProtocolCodec.decodeMessage(Array(many.utf8)).errors.count, BridgeMessage.maxErrorReports)
        let long = PageError(kind: .command, name: "E", message: "m", statement: String(repeating: "a", count: 500))
        XCTAssertEqual(long.statement.count, 200)
    }

    func testLoggedOncePerIntervalWithACountCountedAndHeardByTheApp() throws {
        let lines = Mutex<[String]>([])
        var configuration = Server.Configuration()
        configuration.http.port = 0
        configuration.www = TestPaths.www
        configuration.log = Log(level: .warning) { line in lines.withLock { $0.append(line) } }
        configuration.bridge.errorLogInterval = .milliseconds(300)
        let server = Server(configuration: configuration, defaultApp: Listener.self)
        try server.start()
        defer { server.stop() }
        let browser = try FakeBrowser(port: server.port)
        defer { browser.vanish() }
        func send(_ errors: String) {
            XCTAssertEqual(browser.post(#"{"session":"\#(browser.session)","task":"next","ack":0,"errors":[\#(errors)]}"#)?.status, 200)
        }
        let evil = #"{"kind":"command","seq":1,"name":"TypeError","message":"bad\u0001\nline\u001b[31m","statement":"document.getElementById(\"gone\").innerHTML=1"}"#
        send(evil + "," + evil)
        send(evil)
        usleep(350_000)
        send(#"{"kind":"uncaught","name":"RangeError","message":"boom","statement":"http://x/a.js:3"}"#)

        let warnings = lines.withLock { $0 }.filter { $0.contains(browser.session.prefix(8)) }
        XCTAssertEqual(warnings.count, 2, "\(warnings)")
        XCTAssertEqual(warnings.first, "<4>page \(browser.session.prefix(8)) index.html: command 1 failed: TypeError: bad\\u0001\\u000aline\\u001b[31m "
                       + #"(in: document.getElementById("gone").innerHTML=1) (and 1 more not logged)"# + "\n")
        XCTAssertEqual(warnings.last, "<4>page \(browser.session.prefix(8)) index.html: uncaught error: RangeError: boom (in: http://x/a.js:3) (and 1 more not logged)\n")

        let health = try curl(["http://127.0.0.1:\(server.port)/_health"])
        XCTAssertTrue(health.body.contains(#""pageErrors":4"#), health.body)
        let deadline = Date().addingTimeInterval(5)
        while Listener.heard(by: browser.session).count < 4 && Date() < deadline { usleep(5_000) }
        XCTAssertEqual(Listener.heard(by: browser.session).map(\.kind), [.command, .command, .command, .uncaught])
        XCTAssertEqual(Listener.heard(by: browser.session).first?.message, "bad\u{1}\nline\u{1b}[31m")
    }

    func testAnAssignmentJSONCannotHoldIsReportedNotSent() throws {
        struct Reading: Encodable, Sendable { var celsius: Double }
        let page = try TestPage(Listener.self)
        page.page.js.reading = Reading(celsius: .nan)
        XCTAssertEqual(page.statements, [])
        let deadline = Date().addingTimeInterval(5)
        while Listener.heard(by: page.page.id).isEmpty && Date() < deadline { usleep(5_000) }
        let heard = Listener.heard(by: page.page.id)
        XCTAssertEqual(heard.map(\.kind), [.unencodable])
        XCTAssertEqual(heard.first?.statement, "reading=…")
        XCTAssertTrue(heard.first?.message.contains("cannot write a Reading as JSON") == true, "\(heard)")
    }

    func testTestPageReportsErrorsToTheApp() throws {
        let page = try TestPage(Listener.self)
        let error = PageError(kind: .command, seq: 3, name: "TypeError", message: "x is null", statement: "x.y=1")
        page.reportError(error)
        XCTAssertEqual(Listener.heard(by: page.page.id), [error])
    }
}
