import TetherHTTP

/// `GET /_health`: `200` with `"status":"ok"`, or `503` while stopping or when the www root is
/// gone (`"degraded"`, with the reason). On a worker: it takes the registry's locks.
struct HealthHandler: BridgeHandler {
    let registry: SessionRegistry
    let files: StaticFiles
    let lifecycle: BridgeLifecycle
    let version: String

    func handle(_ request: HTTPRequest, responder: any HTTPResponder) throws {
        responder.answerOnWorker { health() }
    }

    private func health() -> HTTPResponse {
        let isStopping = lifecycle.isStopping
        let problem = isStopping ? nil : files.confinement?.rootProblem
        let status = isStopping ? "stopping" : problem == nil ? "ok" : "degraded"
        let since = registry.secondsSinceLastPoll.map { String(Self.rounded($0)) } ?? "null"
        var response = HTTPResponse.json(
            "{\"status\":\"\(status)\",\(problem.map { "\"reason\":\(JSONText.quote($0))," } ?? "")"
                + "\"version\":\(JSONText.quote(version)),"
                + "\"uptime\":\(Self.rounded(registry.uptimeSeconds)),\"sessions\":\(registry.count),"
                + "\"sinceLastPoll\":\(since),\"pageErrors\":\(registry.pageErrorCount)}",
            status: status == "ok" ? .ok : .serviceUnavailable)
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    private static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
