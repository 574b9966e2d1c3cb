import TetherHTTP

/// Pages and files from www. A plain file is answered on the I/O thread, as nginx does: an
/// open and a stat, then the body streams from there. A page (HTML, GET) is read whole and
/// gets the page script and a fresh token, on a worker. A page served holds no server state:
/// its session opens at its first POST (which a cross-site page cannot send).
struct PageHandler: BridgeHandler {
    let files: StaticFiles
    let registry: SessionRegistry
    let lifecycle: BridgeLifecycle
    let configuration: BridgeConfiguration
    let exposedNames: @Sendable (_ pagePath: String) -> ExposedNames

    /// The longest address a page with the script may be loaded at (its token carries it).
    static let maxTargetBytes = 2048

    func handle(_ request: HTTPRequest, responder: any HTTPResponder) throws {
        switch files.lookup(request) {
        case .response(let response):
            responder.send(response)
        case .refused(let error):
            throw error
        case .file(let file):
            guard request.method == "GET", MediaTypes.isHTML(file.contentType) else {
                return responder.send(try files.response(for: file, request: request))
            }
            responder.answerOnWorker { try servePage(file, request: request) }
        }
    }

    private func servePage(_ file: StaticFiles.File, request: HTTPRequest) throws -> HTTPResponse {
        if lifecycle.isStopping { throw BridgeErrors.shuttingDown }
        // The token carries the address the page was loaded at, so it stays a header's size.
        guard request.target.utf8.count <= Self.maxTargetBytes else {
            throw HTTPError(.uriTooLong, code: "uri_too_long",
                            message: "a page's address may be at most \(Self.maxTargetBytes) bytes long")
        }
        let token = registry.issueToken(pagePath: file.relativePath, target: request.target)
        let body = ScriptInjection.inject(into: file.bytes, session: token, names: exposedNames(file.relativePath),
                                          reportErrors: configuration.reportUncaughtPageErrors, pollHold: configuration.pollHold)
        return HTTPResponse(
            status: .ok,
            headers: [
                "Content-Type": file.contentType,
                // Each load carries a new token, so the page must never come from a cache.
                "Cache-Control": "no-store",
                "X-Tether-Session": token,
            ],
            body: body
        )
    }
}
