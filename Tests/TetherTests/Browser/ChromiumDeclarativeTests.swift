import Foundation
import Synchronization
import XCTest
@testable import Tether

/// An app that keeps every call its page makes, as text.
final class CallNotes: App {
    private let page: Page
    var notes: [String] = []

    init(page: Page) { self.page = page }

    static var exposed: Exposed<CallNotes> {
        Exposed()
            .method("add") { (app, a: Int, b: Int) in app.notes.append("add \(a) \(b)") }
            .method("pick") { (app, field: String, value: String) in app.notes.append("pick \(field) \(value)") }
            .method("typed") { (app, value: String) in app.notes.append("typed \(value)") }
            .method("send") { (app, fields: [String: String]) in
                app.notes.append("send " + fields.keys.sorted().map { "\($0)=\(fields[$0] ?? "")" }.joined(separator: ","))
            }
    }
}

/// Declarative calls: data-tether-click, -change, -input and -submit call the app with no
/// script of the page's own.
final class ChromiumDeclarativeTests: XCTestCase {
    private static let html = """
        <!DOCTYPE html>
        <html><head><title>declarative</title></head>
        <body>
          <button id="add" data-tether-click="add" data-tether-args="[2, 3]"><span id="inner">add</span></button>
          <select id="pick" data-tether-change="pick" data-tether-args='["color"]'>
            <option>red</option><option>green</option>
          </select>
          <input id="name" data-tether-input="typed">
          <form id="form" data-tether-submit="send"><input name="who" value="Ada"><input name="city" value="Bern"></form>
          <button id="hidden" data-tether-click="notExposed">x</button>
        </body></html>
        """

    func testDeclarativeAttributesCallTheApp() throws {
        _ = try Chromium.require()
        let www = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: www) }
        try Self.html.write(to: www.appendingPathComponent("declarative.html"), atomically: true, encoding: .utf8)
        var configuration = Server.Configuration()
        configuration.http.port = 0
        configuration.www = www.path
        configuration.log = .silent
        let server = Server(configuration: configuration)
        server.bind("declarative.html", to: CallNotes.self)
        try server.start()
        defer { server.stop() }
        let browser = try Chromium(url: "http://127.0.0.1:\(server.port)/declarative.html")
        defer { browser.kill() }
        var found: Page?
        XCTAssertTrue(eventually(timeout: 20) { found = server.pages.first; return found != nil })
        let page = try XCTUnwrap(found)
        func notes() -> [String] { page.withApp(as: CallNotes.self) { $0.notes } ?? [] }

        page.run(page.js.dom.hidden.click())  // not exposed: refused in the page, nothing sent
        page.run(page.js.dom.inner.click())   // a click inside the element counts
        page.js.dom.pick.value = "green"
        page.run(page.js.dom.pick.dispatchEvent(JS(code: "new Event('change', {bubbles: true})")))
        page.js.dom.name.value = "Ad"
        page.run(page.js.dom.name.dispatchEvent(JS(code: "new Event('input', {bubbles: true})")))
        page.run(page.js.dom.form.requestSubmit())
        XCTAssertTrue(eventually { notes().count == 4 }, "\(notes())")
        XCTAssertEqual(notes(), ["add 2 3", "pick color green", "typed Ad", "send city=Bern,who=Ada"])
        // The form was not sent: the page is still the same one.
        XCTAssertEqual(try page.eval(page.js.document.title, as: String.self), "declarative")
        XCTAssertEqual(server.pages.count, 1)
    }
}
