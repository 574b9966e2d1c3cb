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
        let report = HealthReport(
            status: isStopping ? .stopping : problem == nil ? .ok : .degraded, reason: problem, version: version,
            uptime: Self.rounded(registry.uptimeSeconds), sessions: registry.count,
            sinceLastPoll: registry.secondsSinceLastPoll.map(Self.rounded), pageErrors: registry.pageErrorCount)
        var response = HTTPResponse.json(ProtocolCodec.encode(report), status: report.status == .ok ? .ok : .serviceUnavailable)
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    private static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
