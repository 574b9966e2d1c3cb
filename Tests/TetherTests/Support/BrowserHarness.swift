import Foundation
import XCTest
@testable import Tether
import TetherDemos

/// A demo server and Chromium pages on it, found through the server as Tether pages.
final class BrowserHarness {
    private(set) var server: Server
    private var browsers: [Chromium] = []
    private let configure: (inout Server.Configuration) -> Void

    init(_ configure: @escaping (inout Server.Configuration) -> Void = { _ in }) throws {
        _ = try Chromium.require()
        self.configure = configure
        server = try startDemoServer(configure)
    }

    /// Opens `path` in a new Chromium and returns its page once it exists and polls.
    func open(_ path: String = "/index.html", port: Int? = nil) throws -> (Chromium, Page) {
        let known = Set(server.pages.map(\.id))
        let browser = try Chromium(url: "http://127.0.0.1:\(port ?? server.port)\(path)")
        browsers.append(browser)
        var found: Page?
        eventually(timeout: 20) {
            found = server.pages.first { !known.contains($0.id) }
            return found != nil
        }
        let page = try XCTUnwrap(found, "Chromium never loaded \(path)")
        // The first answered read proves the poll loop runs.
        XCTAssertEqual(try page.eval(page.js.document.readyState, as: String.self, timeout: .seconds(15)) == "loading", false)
        return (browser, page)
    }

    /// Stops the server and starts a new one on the same port (a daemon restart), after
    /// `downtime` with nothing listening.
    func restartServer(downtime: TimeInterval = 0) throws {
        let port = server.port
        server.stop()
        if downtime > 0 { Thread.sleep(forTimeInterval: downtime) }
        server = try startDemoServer { configuration in
            self.configure(&configuration)
            configuration.http.port = port
        }
    }

    /// Waits for a page that is not in `known` to appear on the server.
    func waitForNewPage(excluding known: Set<String>, timeout: Double) -> Page? {
        var found: Page?
        eventually(timeout: timeout) {
            found = server.pages.first { !known.contains($0.id) }
            return found != nil
        }
        return found
    }

    func close() {
        for browser in browsers { browser.kill() }
        server.stop()
    }

    deinit { close() }
}

extension Page {
    /// The text of an element, read from the page.
    func text(_ id: String) throws -> String {
        try eval(js.dom[id].textContent, as: String.self)
    }
}
