import Foundation
import XCTest
@testable import TetherBridge
@testable import TetherHTTP

/// The `_process_srv0` protocol through the Bridge alone: request values in, response values out.
final class ProtocolTests: XCTestCase {
    func testServingHTMLGivesATokenInHeaderAndScriptAndOpensNothing() throws {
        let harness = try BridgeHarness()
        let response = harness.bridge.respond(to: HTTPRequest(method: "GET", target: "/", headers: ["Host": "127.0.0.1"]))
        XCTAssertEqual(response.status, .ok)
        let id = try XCTUnwrap(response.headers["X-Tether-Session"])
        XCTAssertTrue(id.allSatisfy { ($0.isHexDigit && !$0.isUppercase) || $0 == "." }, id)
        XCTAssertTrue(response.text.contains("\"session\":\"\(id)\""))
        XCTAssertEqual(response.headers["Cache-Control"], "no-store")
        XCTAssertEqual(response.text.components(separatedBy: "<script src=\"_tether.js?v=").count, 2)
        XCTAssertEqual(harness.bridge.registry.count, 0, "a page load holds no session")
        XCTAssertNil(harness.endpoint(id), "and makes no app")
    }

    func testFirstRequestOpensTheSessionOnce() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.loadPage())
        XCTAssertEqual(harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"args\":[1]").text, "{\"value\":[1]}")
        XCTAssertEqual(harness.bridge.registry.count, 1)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.opened }, true)
        XCTAssertEqual(harness.bridge.registry.session(id)?.pagePath, "index.html")
        XCTAssertEqual(harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"args\":[2]").text, "{\"value\":[2]}")
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.calls.count }, 2, "the same app serves both")
    }

    func testTokensThatAreNotOursOrAreChangedAreUnknown() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.loadPage())
        var forged = Array(id)
        forged[40] = forged[40] == "0" ? "1" : "0"  // inside the path or time: the MAC no longer matches
        let other = try BridgeHarness().loadPage() ?? ""
        for bad in [String(forged), other, String(repeating: "a", count: 32), id + "0", "", "a.b.c.d"] {
            let response = harness.post(session: bad, "\"task\":\"next\",\"ack\":0")
            XCTAssertEqual(response.status, .gone, bad)
            XCTAssertEqual(response.errorCode, "unknown_session")
        }
        XCTAssertEqual(harness.bridge.registry.count, 0)
    }

    func testTokenIsRefusedAfterTheFirstPollTimeout() throws {
        let harness = try BridgeHarness { $0.firstPollTimeout = .milliseconds(50) }
        let id = try XCTUnwrap(harness.loadPage())
        usleep(120_000)
        let response = harness.post(session: id, "\"task\":\"next\",\"ack\":0")
        XCTAssertEqual(response.status, .gone)
        XCTAssertTrue(response.text.contains("before its first request; reload the page"), response.text)
        XCTAssertEqual(harness.bridge.registry.count, 0)
    }

    func testClosedSessionDoesNotReopenFromItsToken() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        harness.bridge.registry.session(id)?.close(.stoppedPolling)
        XCTAssertEqual(harness.post(session: id, "\"task\":\"next\",\"ack\":0").status, .gone)
        let unloadedFirst = try XCTUnwrap(harness.loadPage())
        XCTAssertEqual(harness.post(session: unloadedFirst, "\"task\":\"unload\"").status, .noContent)
        XCTAssertEqual(harness.post(session: unloadedFirst, "\"task\":\"next\",\"ack\":0").status, .gone)
        XCTAssertNil(harness.endpoint(unloadedFirst), "unloading before the first request made no app")
    }

    func testConcurrentFirstRequestsOpenOneSession() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.loadPage())
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            XCTAssertEqual(harness.post(session: id, "\"task\":\"get\",\"property\":\"version\"").status, .ok)
        }
        XCTAssertEqual(harness.bridge.registry.count, 1)
    }

    func testEachPageLoadGetsItsOwnSession() throws {
        let harness = try BridgeHarness()
        let first = try XCTUnwrap(harness.openPage())
        let second = try XCTUnwrap(harness.openPage())
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(harness.bridge.registry.count, 2)
    }

    func testNonHTMLFilesAreServedUntouchedWithoutSession() throws {
        let harness = try BridgeHarness()
        let response = harness.bridge.respond(to: HTTPRequest(method: "GET", target: "/style.css", headers: ["Host": "h"]))
        XCTAssertEqual(response.status, .ok)
        XCTAssertNil(response.headers["X-Tether-Session"])
        XCTAssertFalse(response.text.contains("<script"))
        XCTAssertEqual(harness.bridge.registry.count, 0)
    }

    func testCallReturnsHandlerValue() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let response = harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\",\"args\":[125,\"x\",true]")
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.text, "{\"value\":[125,\"x\",true]}")
    }

    func testUnknownFunctionGets404() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        for name in ["nope", "deinit", "init", "main", "__proto__"] {
            let response = harness.post(session: id, "\"task\":\"call\",\"function\":\"\(name)\",\"args\":[]")
            XCTAssertEqual(response.status, .notFound, name)
            XCTAssertEqual(response.errorCode, "not_exposed")
        }
    }

    func testHandlerThatThrowsGets500WithItsMessage() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let response = harness.post(session: id, "\"task\":\"call\",\"function\":\"fail\"")
        XCTAssertEqual(response.status, .internalServerError)
        XCTAssertEqual(response.json?["error"]?["message"]?.stringValue, "the handler failed on purpose")
    }

    func testGetAndSetExposedProperty() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        XCTAssertEqual(harness.post(session: id, "\"task\":\"set\",\"property\":\"count\",\"value\":7").text, "{\"value\":null}")
        XCTAssertEqual(harness.post(session: id, "\"task\":\"get\",\"property\":\"count\"").text, "{\"value\":7}")
    }

    func testSettingReadOnlyPropertyGets403AndUnknownPropertyGets404() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let readOnly = harness.post(session: id, "\"task\":\"set\",\"property\":\"version\",\"value\":2")
        XCTAssertEqual(readOnly.status, .forbidden)
        XCTAssertEqual(readOnly.errorCode, "read_only")
        XCTAssertEqual(harness.post(session: id, "\"task\":\"get\",\"property\":\"secret\"").status, .notFound)
        XCTAssertEqual(harness.post(session: id, "\"task\":\"set\",\"property\":\"secret\",\"value\":1").status, .notFound)
        XCTAssertEqual(harness.post(session: id, "\"task\":\"get\",\"property\":\"version\"").text, "{\"value\":\"1\"}")
    }

    func testUnknownSessionGets410() throws {
        let harness = try BridgeHarness()
        let response = harness.post(session: "0123456789abcdef0123456789abcdef", "\"task\":\"call\",\"function\":\"echo\"")
        XCTAssertEqual(response.status, .gone)
        XCTAssertEqual(response.errorCode, "unknown_session")
    }

    func testWrongContentTypeGets415() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let body = "{\"session\":\"\(id)\",\"task\":\"call\",\"function\":\"echo\"}"
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let response = harness.post(body, contentType: type)
            XCTAssertEqual(response.status, .unsupportedMediaType, type)
        }
        XCTAssertEqual(harness.post(body, contentType: "application/json; charset=utf-8").status, .ok)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.calls.count }, 1)
    }

    func testGetOnProcessEndpointGets405WithAllowPost() throws {
        let harness = try BridgeHarness()
        let response = harness.bridge.respond(to: HTTPRequest(method: "GET", target: "/_process_srv0", headers: ["Host": "h"]))
        XCTAssertEqual(response.status, .methodNotAllowed)
        XCTAssertEqual(response.headers["Allow"], "POST")
    }

    func testMalformedMessagesGet400() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        for body in ["not json", "[1,2]", "{\"task\":\"call\"}", "{\"session\":\"\(id)\"}",
                     "{\"session\":\"\(id)\",\"task\":\"dance\"}", "{\"session\":\"\(id)\",\"task\":\"call\",\"function\":3}",
                     "{\"session\":\"\(id)\",\"task\":\"call\",\"function\":\"echo\",\"args\":{}}"] {
            let response = harness.post(body)
            XCTAssertEqual(response.status, .badRequest, body)
            XCTAssertEqual(response.errorCode, "malformed_message", body)
        }
    }

    func testForeignOriginGets403EvenWithValidSession() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let body = "{\"session\":\"\(id)\",\"task\":\"call\",\"function\":\"echo\"}"
        for origin in ["http://evil.example", "null", "http://127.0.0.1:9999"] {
            let response = harness.post(body, extraHeaders: [("Origin", origin)])
            XCTAssertEqual(response.status, .forbidden, origin)
        }
        XCTAssertEqual(harness.post(body, extraHeaders: [("Origin", "http://127.0.0.1:8080")]).status, .ok)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.calls.count }, 1)
    }

    func testUnloadClosesSessionWith204() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        XCTAssertEqual(harness.post(session: id, "\"task\":\"unload\"").status, .noContent)
        XCTAssertEqual(harness.bridge.registry.count, 0)
        XCTAssertEqual(harness.endpoint(id)?.log.withLock { $0.closed }, .unloaded)
        XCTAssertEqual(harness.post(session: id, "\"task\":\"call\",\"function\":\"echo\"").status, .gone)
    }

    func testAtTheLimitTheSessionSilentLongestGivesWay() throws {
        let harness = try BridgeHarness { $0.maxSessions = 3 }
        let oldest = try XCTUnwrap(harness.openPage())
        let middle = try XCTUnwrap(harness.openPage())
        let newest = try XCTUnwrap(harness.openPage())
        usleep(2000)
        XCTAssertEqual(harness.post(session: oldest, "\"task\":\"get\",\"property\":\"version\"").status, .ok, "heard again")
        let fourth = try XCTUnwrap(harness.openPage(), "a new page opens at the limit")
        XCTAssertEqual(harness.bridge.registry.count, 3)
        XCTAssertNil(harness.bridge.registry.session(middle), "the one silent longest gave way")
        XCTAssertEqual(harness.endpoint(middle)?.log.withLock { $0.closed }, .gaveWay)
        XCTAssertEqual(harness.post(session: middle, "\"task\":\"next\",\"ack\":0").status, .gone)
        for id in [oldest, newest, fourth] { XCTAssertNotNil(harness.bridge.registry.session(id)) }
    }

    func testAPageHoldingALivePollNeverGivesWay() throws {
        let harness = try BridgeHarness {
            $0.maxSessions = 2
            $0.pollHold = .seconds(5)
        }
        let holders = [try XCTUnwrap(harness.openPage()), try XCTUnwrap(harness.openPage())]
        let polls = DispatchGroup()
        for id in holders {
            DispatchQueue.global().async(group: polls) { _ = harness.post(session: id, "\"task\":\"next\",\"ack\":0") }
        }
        XCTAssertTrue(pollUntil { holders.allSatisfy { harness.bridge.registry.session($0)?.isHoldingPoll == true } })
        let refused = try XCTUnwrap(harness.loadPage()).withFirstRequest(harness)
        XCTAssertEqual(refused.status, .serviceUnavailable)
        XCTAssertEqual(refused.errorCode, "too_many_sessions")
        XCTAssertEqual(harness.bridge.registry.count, 2)
        for id in holders { harness.bridge.registry.session(id)?.queue(.run(.code("x=1"))) }
        XCTAssertEqual(polls.wait(timeout: .now() + 5), .success)
    }

    func testHealthReportsSessionsAndLastPoll() throws {
        let harness = try BridgeHarness()
        let before = harness.bridge.respond(to: HTTPRequest(method: "GET", target: "/_health", headers: ["Host": "h"]))
        XCTAssertEqual(before.status, .ok)
        XCTAssertEqual(before.json?["sessions"], .number("0"))
        XCTAssertEqual(before.json?["sinceLastPoll"], .null)
        XCTAssertEqual(before.json?["status"]?.stringValue, "ok")
        let id = try XCTUnwrap(harness.openPage())
        harness.bridge.registry.session(id)?.queue(.run(.code("x=1")))
        _ = harness.post(session: id, "\"task\":\"next\",\"ack\":0")
        let after = harness.bridge.respond(to: HTTPRequest(method: "GET", target: "/kiosk/_health", headers: ["Host": "h"]))
        XCTAssertEqual(after.json?["sessions"], .number("1"))
        XCTAssertNotEqual(after.json?["sinceLastPoll"], .null)
    }

    func testProtocolWorksUnderAPathPrefix() throws {
        let harness = try BridgeHarness()
        let id = try XCTUnwrap(harness.openPage())
        let response = harness.bridge.respond(to: HTTPRequest(
            method: "POST", target: "/kiosk/_process_srv0",
            headers: ["Host": "h", "Content-Type": "application/json"],
            body: Array("{\"session\":\"\(id)\",\"task\":\"call\",\"function\":\"echo\",\"args\":[1]}".utf8)))
        XCTAssertEqual(response.text, "{\"value\":[1]}")
    }
}

extension String {
    /// This page token's first request (a `get`), as the harness's page makes it.
    fileprivate func withFirstRequest(_ harness: BridgeHarness) -> HTTPResponse {
        harness.post(session: self, "\"task\":\"get\",\"property\":\"version\"")
    }
}
