import XCTest
@testable import TetherHTTP
import TetherBridge

/// Path traversal over real sockets: every trick gets 400 or 404, never the secret file
/// that lies beside www (nor /etc/passwd).
final class TraversalTests: XCTestCase {
    private var site: TemporaryWWW?
    private var server: HTTPServer?

    override func setUpWithError() throws {
        let site = try TemporaryWWW()
        try site.write("index.html", "<p>home</p>")
        try site.write("sub/page.html", "<p>sub</p>")
        try site.write(".env", "DOTFILE-SECRET")
        try site.symlink("link-out", to: "../secret.txt")
        try site.symlink("dir-out", to: site.base.path)
        self.site = site
        server = try startHTTPServer(handler: StaticFiles(root: site.wwwPath, errorFormat: .json))
    }

    override func tearDown() {
        server?.stop()
        server = nil
        site = nil
    }

    private static let attacks = [
        "/../secret.txt",
        "/../../../../../../etc/passwd",
        "/sub/../../secret.txt",
        "/./../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/.%2e/secret.txt",
        "/sub%2f..%2f..%2fsecret.txt",
        "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/secret.txt%00.html",
        "/%00",
        "/..%5csecret.txt",
        "/%2e%2e%5csecret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%af..%c0%afsecret.txt",
        "/link-out",
        "/dir-out/secret.txt",
        "/.env",
        "/%2eenv",
    ]

    private func assertRefused(status: Int, body: String, _ attack: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let site = try XCTUnwrap(site)
        XCTAssertTrue(status == 400 || status == 404, "\(attack) gave \(status)", file: file, line: line)
        XCTAssertFalse(body.contains(site.secret), "\(attack) leaked the secret file", file: file, line: line)
        XCTAssertFalse(body.contains("DOTFILE-SECRET"), "\(attack) leaked a dotfile", file: file, line: line)
        XCTAssertFalse(body.contains("root:"), "\(attack) leaked /etc/passwd", file: file, line: line)
    }

    func testTheSecretExistsAndWouldBeReadableWithoutConfinement() throws {
        // Guards the test itself: the secret is really there, one level above www.
        let site = try XCTUnwrap(site)
        XCTAssertEqual(try String(contentsOfFile: site.secretPath, encoding: .utf8), site.secret)
        XCTAssertEqual(try curl(["http://127.0.0.1:\(try XCTUnwrap(server).port)/index.html"]).status, 200)
    }

    func testTraversalWithCurlPathAsIsIsRefused() throws {
        let port = try XCTUnwrap(server).port
        for attack in Self.attacks {
            let result = try curl(["--path-as-is", "http://127.0.0.1:\(port)\(attack)"])
            XCTAssertEqual(result.exitCode, 0, "curl \(attack): \(result.stderr)")
            try assertRefused(status: result.status, body: result.body, attack)
        }
    }

    func testTraversalOverARawSocketIsRefused() throws {
        // Bytes curl would not send as they are: literal backslashes, raw dot segments.
        let port = try XCTUnwrap(server).port
        let connection = try RawConnection(port: port)
        for attack in Self.attacks + ["/..\\secret.txt", "/sub\\..\\..\\secret.txt", "/sub/..//../secret.txt"] {
            let response = try XCTUnwrap(connection.request("GET", attack, timeout: 5), "no answer to \(attack)")
            try assertRefused(status: response.status, body: response.text, attack)
        }
        // The connection was kept: none of these broke the stream.
        XCTAssertEqual(connection.request("GET", "/index.html", timeout: 5)?.status, 200)
    }

    func testRequestTargetsThatAreNotPathsAreBadRequest() throws {
        let port = try XCTUnwrap(server).port
        for target in ["../secret.txt", "secret.txt", "http://127.0.0.1/../secret.txt"] {
            let connection = try RawConnection(port: port)
            connection.send("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try XCTUnwrap(connection.readResponse(timeout: 5), target)
            XCTAssertEqual(response.status, 400, target)
            try assertRefused(status: response.status, body: response.text, target)
        }
    }

    func testHeadTraversalIsRefusedToo() throws {
        let port = try XCTUnwrap(server).port
        let result = try curl(["--path-as-is", "-I", "http://127.0.0.1:\(port)/../secret.txt"])
        XCTAssertEqual(result.status, 404)
    }
}
