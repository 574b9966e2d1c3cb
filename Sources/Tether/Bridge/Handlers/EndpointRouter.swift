import TetherHTTP

/// The Bridge's `ServeMux`. The page script reaches its endpoints relative to the page
/// (`new URL("_process_srv0", location.href)`), so they sit under whatever base the page has:
/// `/`, `/kiosk/` behind nginx, `/a/b/`. A route therefore names the path's last segment,
/// matched exactly; every other path goes to `fallback` (pages and files).
struct EndpointRouter: BridgeHandler {
    let endpoints: [String: any BridgeHandler]
    let fallback: any BridgeHandler

    func handle(_ request: HTTPRequest, responder: any HTTPResponder) throws {
        try route(request.path).handle(request, responder: responder)
    }

    func route(_ path: Substring) -> any BridgeHandler {
        guard let slash = path.lastIndex(of: "/") else { return fallback }
        return endpoints[String(path[path.index(after: slash)...])] ?? fallback
    }
}
