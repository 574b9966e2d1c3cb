import Foundation
import Synchronization
@testable import TetherBridge
@testable import TetherHTTP
import TetherSupport

/// An endpoint that records what the Bridge asks of it, for tests of the protocol alone.
final class RecordingEndpoint: SessionEndpoint {
    struct Log {
        var calls: [(String, [JSONValue])] = []
        var closed: CloseReason?
        var opened = false
        var values: [String: JSONValue] = ["count": .number("0"), "version": .string("1")]
    }

    let log = Mutex(Log())
    static let names = ExposedNames(methods: ["echo", "fail", "slow"], properties: ["count", "version"], settable: ["count"])
    var exposedNames: ExposedNames { Self.names }
    /// Released by the test to let `slow` return.
    let gate = DispatchSemaphore(value: 0)
    /// Run by every call before it answers (a handler that writes to its page).
    private let callHook = Mutex<(@Sendable () -> Void)?>(nil)
    var onCall: (@Sendable () -> Void)? {
        get { callHook.withLock { $0 } }
        set { callHook.withLock { $0 = newValue } }
    }

    func call(_ function: String, arguments: [JSONValue]) throws(EndpointError) -> String {
        log.withLock { $0.calls.append((function, arguments)) }
        onCall?()
        switch function {
        case "echo": return JSONValue.array(arguments).jsonText
        case "fail": throw .failed("the handler failed on purpose")
        case "slow":
            _ = gate.wait(timeout: .now() + 5)
            return "\"slow done\""
        default: throw .unknownFunction(function)
        }
    }

    func get(_ property: String) throws(EndpointError) -> String {
        guard let value = log.withLock({ $0.values[property] }) else { throw .unknownProperty(property) }
        return value.jsonText
    }

    func set(_ property: String, to value: JSONValue) throws(EndpointError) {
        guard exposedNames.properties.contains(property) else { throw .unknownProperty(property) }
        guard exposedNames.settable.contains(property) else { throw .readOnlyProperty(property) }
        log.withLock { $0.values[property] = value }
    }

    func sessionOpened() { log.withLock { $0.opened = true } }
    func sessionClosed(_ reason: CloseReason) { log.withLock { $0.closed = reason } }
}

/// A Bridge over the repository's www/ with recording endpoints, driven by request values.
final class BridgeHarness: Sendable {
    final class Endpoints: Sendable {
        let bySession = Mutex<[String: RecordingEndpoint]>([:])
        func removeAll() { bySession.withLock { $0.removeAll() } }
    }

    let bridge: Bridge
    let endpoints = Endpoints()

    init(_ configure: (inout BridgeConfiguration) -> Void = { _ in }) throws {
        var configuration = BridgeConfiguration()
        configuration.pollHold = .milliseconds(300)
        configure(&configuration)
        let files = try StaticFiles(root: TestPaths.www)
        let endpoints = self.endpoints
        bridge = Bridge(files: files, configuration: configuration, version: "test", log: .silent,
                        exposedNames: { _ in RecordingEndpoint.names }) { session in
            let endpoint = RecordingEndpoint()
            endpoints.bySession.withLock { $0[session.id] = endpoint }
            return endpoint
        }
    }

    func endpoint(_ session: String) -> RecordingEndpoint? { endpoints.bySession.withLock { $0[session] } }

    /// Serves the page and returns its token; no session is open yet.
    func loadPage(_ path: String = "/index.html") -> String? {
        let response = bridge.respond(to: HTTPRequest(method: "GET", target: path, headers: ["Host": "127.0.0.1:8080"]))
        return response.headers["X-Tether-Session"]
    }

    /// Serves the page and makes its first request (a `get`, which the endpoint does not
    /// record), which opens its session; returns the session id.
    func openPage(_ path: String = "/index.html") -> String? {
        guard let id = loadPage(path) else { return nil }
        let base = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)])
        let first = bridge.respond(to: HTTPRequest(
            method: "POST", target: base + "_process_srv0",
            headers: ["Host": "127.0.0.1:8080", "Content-Type": "application/json"],
            body: Array("{\"session\":\"\(id)\",\"task\":\"get\",\"property\":\"version\"}".utf8)))
        return first.status == .ok ? id : nil
    }

    func post(_ json: String, contentType: String = "application/json", extraHeaders: [(String, String)] = []) -> HTTPResponse {
        var headers: HTTPHeaders = ["Host": "127.0.0.1:8080", "Content-Type": contentType]
        for (name, value) in extraHeaders { headers.add(name, value) }
        return bridge.respond(to: HTTPRequest(method: "POST", target: "/_process_srv0", headers: headers, body: Array(json.utf8)))
    }

    func post(session: String, _ fields: String) -> HTTPResponse {
        post("{\"session\":\"\(session)\",\(fields)}")
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { try? JSONParser.parse(body) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
}
