import XCTest
@testable import TetherBridge
import TetherHTTP

/// The Bridge routes by the path's last segment, exactly, under whatever base the page has.
final class BridgeRoutingTests: XCTestCase {
    private func get(_ bridge: Bridge, _ target: String, headers: HTTPHeaders = ["Host": "127.0.0.1:8080"]) -> HTTPResponse {
        bridge.respond(to: HTTPRequest(method: "GET", target: target, headers: headers))
    }

    func testHealthAnswersUnderAnyBase() throws {
        let harness = try BridgeHarness()
        for target in ["/_health", "/kiosk/_health", "/a/b/_health", "/_health?x=1"] {
            let response = get(harness.bridge, target)
            XCTAssertEqual(response.status, .ok, target)
            XCTAssertEqual(response.json?["status"]?.stringValue, "ok", target)
        }
    }

    func testANameThatOnlyEndsLikeAnEndpointIsAFileLookup() throws {
        let harness = try BridgeHarness()
        for target in ["/x_health", "/kiosk_health", "/_health/", "/a/x_process_srv0", "/_process_srv0/x"] {
            let response = get(harness.bridge, target)
            XCTAssertEqual(response.status, .notFound, target)
            XCTAssertEqual(response.errorCode, "not_found", target)
        }
    }

    func testTheProtocolAnswersUnderANestedBase() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let response = harness.bridge.respond(to: HTTPRequest(
            method: "POST", target: "/kiosk/deeper/_process_srv0",
            headers: ["Host": "127.0.0.1:8080", "Content-Type": "application/json"],
            body: Array("{\"session\":\"\(id)\",\"task\":\"get\",\"property\":\"version\"}".utf8)))
        XCTAssertEqual(response.text, "{\"value\":\"1\"}")
    }

    func testChecksRunInOrderAndEachRefusalCarriesItsStatus() throws {
        let harness = try BridgeHarness()
        // Method before origin before content type, as the protocol always checked them.
        let get = get(harness.bridge, "/_process_srv0", headers: ["Host": "127.0.0.1:8080", "Origin": "http://evil.example"])
        XCTAssertEqual(get.status, .methodNotAllowed)
        XCTAssertEqual(get.headers["Allow"], "POST")
        let foreign = harness.post("{}", contentType: "text/plain", extraHeaders: [("Origin", "http://evil.example")])
        XCTAssertEqual(foreign.status, .forbidden)
        XCTAssertEqual(foreign.errorCode, "foreign_origin")
        let plain = harness.post("{}", contentType: "text/plain")
        XCTAssertEqual(plain.status, .unsupportedMediaType)
        let malformed = harness.post("{")
        XCTAssertEqual(malformed.status, .badRequest)
        XCTAssertEqual(malformed.errorCode, "malformed_message")
        let health = harness.bridge.respond(to: HTTPRequest(method: "POST", target: "/_health", headers: ["Host": "127.0.0.1:8080"]))
        XCTAssertEqual(health.status, .methodNotAllowed)
        XCTAssertEqual(health.headers["Allow"], "GET, HEAD")
    }

    func testTheHTTPLayerAloneWritesPlainText() {
        let response = HTTPErrorFormat.plainText.response(for: RequestParseError.bodyTooLarge(length: 2, limit: 1))
        XCTAssertEqual(response.status, .contentTooLarge)
        XCTAssertTrue(response.closesConnection)
        XCTAssertEqual(response.headers["Content-Type"], "text/plain; charset=utf-8")
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self),
                       "body_too_large: body of 2 bytes exceeds the limit of 1 bytes\n")
    }

    func testAnEndpointErrorCarriesItsOwnStatus() {
        let response = BridgeErrors.response(for: EndpointError.readOnlyProperty("version"))
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self),
                       "{\"error\":{\"code\":\"read_only\",\"message\":\"property 'version' is read-only\"}}")
    }
}
