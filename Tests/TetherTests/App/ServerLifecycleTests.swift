import Foundation
import XCTest
import TetherClient
@testable import Tether
import TetherDemos

/// `start` twice, `run`, and the bindings `start` refuses.
final class ServerLifecycleTests: XCTestCase {
    private func configuration(www: String = TestPaths.www) -> Server.Configuration {
        var configuration = Server.Configuration()
        configuration.http.port = 0
        configuration.www = www
        configuration.log = .silent
        return configuration
    }

    func testSecondStartThrowsAndLeavesTheFirstServing() throws {
        let server = Server(configuration: configuration())
        try server.start()
        defer { server.stop() }
        let port = server.port
        XCTAssertThrowsError(try server.start()) { XCTAssertEqual($0 as? ServerError, .alreadyRunning) }
        XCTAssertEqual(server.port, port)
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/_health"]).status, 200)
    }

    func testStartAfterStopServesAgain() throws {
        let server = Server(configuration: configuration())
        try server.start()
        server.stop()
        try server.start()
        defer { server.stop() }
        XCTAssertEqual(try curl(["http://127.0.0.1:\(server.port)/_health"]).status, 200)
    }

    func testRunBlocksUntilStop() throws {
        let server = Server(configuration: configuration())
        let returned = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        Thread.detachNewThread {
            do { try server.run() } catch { outcome.set("\(error)") }
            returned.signal()
        }
        XCTAssertTrue(eventually { server.port != 0 }, "run never started serving")
        XCTAssertEqual(returned.wait(timeout: .now() + 0.3), .timedOut, "run returned while serving")
        XCTAssertEqual(try curl(["http://127.0.0.1:\(server.port)/_health"]).status, 200)
        server.stop()
        XCTAssertEqual(returned.wait(timeout: .now() + 5), .success, "run did not return after stop")
        XCTAssertNil(outcome.value)
    }

    func testPageBoundTwiceIsRefusedAtStart() {
        let server = Server(configuration: configuration())
        server.bind("index.html", to: Counter.self)
        server.bind("/index.html", to: Factor.self)
        XCTAssertThrowsError(try server.start()) {
            XCTAssertEqual($0 as? ServerError, .bindings("page 'index.html' is bound to an app twice"))
        }
        XCTAssertEqual(server.port, 0)
    }

    func testAppBoundToAMissingPageIsRefusedAtStart() {
        let server = Server(configuration: configuration())
        server.bind("nosuch.html", to: Counter.self)
        XCTAssertThrowsError(try server.start()) {
            XCTAssertEqual(($0 as? ServerError)?.description,
                           "page 'nosuch.html' is bound to an app but www directory \(TestPaths.www) has no such file")
        }
        var embedded = configuration()
        embedded.embedded = EmbeddedFiles(files: ["index.html": Array("<p>hi</p>".utf8)])
        let fromMemory = Server(configuration: embedded)
        fromMemory.bind("clock.html", to: Stopwatch.self)
        XCTAssertThrowsError(try fromMemory.start()) {
            XCTAssertEqual(($0 as? ServerError)?.description,
                           "page 'clock.html' is bound to an app but the embedded www has no such file")
        }
    }

    /// A page of your own served beside the demos is bound to nothing: no Counter behind it.
    func testAPageBoundToNoAppHasNoApp() throws {
        let site = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        for page in ["index.html", "mine.html"] {
            try Data("<p id=count>0</p>".utf8).write(to: site.appendingPathComponent(page))
        }
        let server = Demos.server(configuration: configuration(www: site.path))
        try server.start()
        defer { server.stop() }
        let mine = try PageClient.live(port: server.port, path: "/mine.html")
        defer { mine.vanish() }
        XCTAssertThrowsError(try mine.call("increment")) { error in
            guard case .refused(let status, let code, _)? = error as? ClientError else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 404)
            XCTAssertEqual(code, "not_exposed")
        }
        let page = try XCTUnwrap(try curl(["http://127.0.0.1:\(server.port)/mine.html"]).body)
        XCTAssertFalse(page.contains("increment"), "the page's proxy names nothing: \(page)")
        // The demo's own page keeps its Counter.
        let demo = try PageClient.live(port: server.port, path: "/index.html")
        defer { demo.vanish() }
        XCTAssertEqual(try demo.call("increment").jsonText, "null")
    }
}

private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    func set(_ value: String) { lock.withLock { stored = value } }
    var value: String? { lock.withLock { stored } }
}
