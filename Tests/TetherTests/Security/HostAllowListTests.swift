import XCTest
@testable import TetherBridge

final class HostAllowListTests: XCTestCase {
    func testLoopbackNamesWithTheServersPortAreAllowed() {
        let hosts = HostAllowList(boundHost: "127.0.0.1", port: 8080)
        for host in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"] {
            XCTAssertTrue(hosts.allows(authority: host), host)
        }
        for host in ["127.0.0.1:8081", "evil.example", "evil.example:8080", "localhost", "127.0.0.1", "[::1]", ""] {
            XCTAssertFalse(hosts.allows(authority: host), host)
        }
    }

    func testBoundAddressAndConfiguredNamesAreAllowed() {
        let hosts = HostAllowList(boundHost: "192.0.2.7", port: 80, extra: ["kiosk.local", "screen.lan:9000"])
        XCTAssertTrue(hosts.allows(authority: "192.0.2.7:80"))
        XCTAssertTrue(hosts.allows(authority: "kiosk.local"))
        XCTAssertTrue(hosts.allows(authority: "kiosk.local:443"), "a bare name matches any port")
        XCTAssertTrue(hosts.allows(authority: "screen.lan:9000"))
        XCTAssertFalse(hosts.allows(authority: "screen.lan:9001"))
        XCTAssertFalse(hosts.allows(authority: "kiosk.local.evil.example"))
    }

    func testWildcardBindingAddsNoHost() {
        let hosts = HostAllowList(boundHost: "0.0.0.0", port: 8080)
        XCTAssertFalse(hosts.allows(authority: "0.0.0.0:8080"))
        XCTAssertTrue(hosts.allows(authority: "127.0.0.1:8080"))
    }

    func testOriginsAreCheckedByTheirAuthority() {
        let hosts = HostAllowList(boundHost: "127.0.0.1", port: 8080)
        XCTAssertTrue(hosts.allows(origin: "http://127.0.0.1:8080"))
        XCTAssertTrue(hosts.allows(origin: "http://localhost:8080"))
        for origin in ["null", "http://evil.example", "http://127.0.0.1:8080.evil.example", "http://127.0.0.1:8080/x", "file://", ""] {
            XCTAssertFalse(hosts.allows(origin: origin), origin)
        }
    }
}

/// A `Host` without a port names the scheme's default port (RFC 9110 §4.2.1).
final class HostDefaultPortTests: XCTestCase {
    func testHostWithoutPortMeansPort80() {
        let hosts = HostAllowList(boundHost: "127.0.0.1", port: 80)
        for host in ["127.0.0.1", "localhost", "LOCALHOST", "[::1]", "127.0.0.1:80", "localhost:", "[::1]:"] {
            XCTAssertTrue(hosts.allows(authority: host), host)
        }
        for host in ["evil.example", "evil.example:80", "127.0.0.1:8080", "127.0.0.1:x", "127.0.0.1:080x", ":80", "[::1]x", ""] {
            XCTAssertFalse(hosts.allows(authority: host), host)
        }
        XCTAssertTrue(hosts.allows(origin: "http://127.0.0.1"))
        XCTAssertTrue(hosts.allows(origin: "http://localhost"))
        XCTAssertFalse(hosts.allows(origin: "https://127.0.0.1"), "https without a port is 443")
        XCTAssertFalse(hosts.allows(origin: "http://evil.example"))
    }

    func testHostWithoutPortIsRefusedOnAnotherPort() {
        let hosts = HostAllowList(boundHost: "127.0.0.1", port: 8080)
        XCTAssertFalse(hosts.allows(authority: "127.0.0.1"))
        XCTAssertFalse(hosts.allows(origin: "http://localhost"))
    }
}
