import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import Tether
@testable import TetherHTTP

/// Tether behind a real nginx under `/kiosk/`, configured with the README's snippet.
final class NginxProxyTests: XCTestCase {
    private var nginxPID: Int32 = 0
    private var scratch: URL?

    override func tearDown() {
        if nginxPID > 0 {
            kill(nginxPID, SIGKILL)
            var status: Int32 = 0
            waitpid(nginxPID, &status, 0)
        }
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private static var nginx: String? {
        ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A free loopback port (bound and closed again at once).
    private func freePort() throws -> Int { try Listener(host: "127.0.0.1", port: 0).port }

    /// Starts nginx on `port` with the README's location block pointing at `upstream`.
    private func startNginx(port: Int, upstream: Int) throws {
        guard let nginx = Self.nginx else {
            try missingTool("nginx is not installed (apt-get install -y nginx)", skipping: "nginx test")
        }
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "<!-- nginx-snippet -->\n```nginx\n"))
        let end = try XCTUnwrap(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let location = readme[start.upperBound..<end.lowerBound].replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(upstream)")

        let scratch = try TestPaths.temporaryDirectory()
        self.scratch = scratch
        let prefix = scratch.path
        let configuration = """
            daemon off;
            master_process off;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    \(location)
                }
            }
            """
        let file = scratch.appendingPathComponent("nginx.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-c", file.path, "-p", prefix, "-e", "\(prefix)/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        nginxPID = process.processIdentifier
        XCTAssertTrue(eventually(timeout: 10) { (try? curl(["http://127.0.0.1:\(port)/kiosk/_health"]).status) == 200 },
                      (try? String(contentsOf: scratch.appendingPathComponent("error.log"), encoding: .utf8)) ?? "")
    }

    func testPageUnderPrefixCallsAndReceivesWritesThroughNginx() throws {
        _ = try Chromium.require()
        let nginxPort = try freePort()
        // nginx passes the browser's Host on; the server is told that name, as --allow-host does.
        let proxied = try startDemoServer { $0.allowedHosts = ["127.0.0.1:\(nginxPort)"] }
        defer { proxied.stop() }
        try startNginx(port: nginxPort, upstream: proxied.port)

        let browser = try Chromium(url: "http://127.0.0.1:\(nginxPort)/kiosk/index.html")
        defer { browser.kill() }
        var found: Page?
        XCTAssertTrue(eventually(timeout: 20) { found = proxied.pages.first; return found != nil })
        let page = try XCTUnwrap(found)
        XCTAssertEqual(try page.eval(page.js.location.pathname, as: String.self, timeout: .seconds(15)), "/kiosk/index.html")
        page.run(page.js.dom.b1.click())  // a call to /kiosk/_process_srv0, and a write pushed back
        XCTAssertTrue(try eventually { try page.text("count") == "1" })
        XCTAssertEqual(try page.eval(page.js.server.getresult(125, 99), as: Int.self), 224)
    }

    func testLongPollIsHeldForItsWholeHoldThroughNginxAndPushesArrive() throws {
        let nginxPort = try freePort()
        let server = try startDemoServer { configuration in
            configuration.bridge.pollHold = .seconds(2)
            configuration.allowedHosts = ["127.0.0.1:\(nginxPort)"]
        }
        defer { server.stop() }
        try startNginx(port: nginxPort, upstream: server.port)
        let connection = try RawConnection(port: nginxPort)
        let page = try XCTUnwrap(connection.request("GET", "/kiosk/index.html"))
        XCTAssertEqual(page.status, 200)
        let session = try XCTUnwrap(page.headers["x-tether-session"])

        let started = Date()
        let empty = connection.post("/kiosk/_process_srv0", json: "{\"session\":\"\(session)\",\"task\":\"next\",\"ack\":0}")
        XCTAssertEqual(empty?.status, 200, "not a gateway timeout")
        XCTAssertEqual(empty?.text, "{\"commands\":[]}")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1.9, "held for the whole hold")

        // A write made while the next poll is held comes through nginx at once (no buffering).
        let tetherPage = try XCTUnwrap(server.page(id: session))
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { tetherPage.js.pushed = 1 }
        let pushed = connection.post("/kiosk/_process_srv0", json: "{\"session\":\"\(session)\",\"task\":\"next\",\"ack\":0}")
        XCTAssertEqual(pushed?.text, "{\"commands\":[{\"seq\":1,\"op\":\"assign\",\"target\":{\"global\":\"pushed\"},\"value\":{\"value\":1}}]}")
    }
}
