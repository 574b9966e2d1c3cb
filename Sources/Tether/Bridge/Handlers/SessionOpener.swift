import TetherHTTP

/// The session a protocol request names, opened at its page's first request: the token is
/// checked, the app made (`init(page:)`, app code: on a worker) and told the page is open.
struct SessionOpener: Sendable {
    let registry: SessionRegistry
    let lifecycle: BridgeLifecycle
    let firstPolls: FirstPolls
    let configuration: BridgeConfiguration
    let makeEndpoint: Bridge.EndpointFactory

    /// The open session `id`, opened now if this is its page's first request; throws the refusal.
    func session(_ id: String, request: HTTPRequest) throws(HTTPError) -> Session {
        if lifecycle.isStopping, registry.session(id) == nil { throw BridgeErrors.shuttingDown }
        do {
            var endpoint: (any SessionEndpoint)?
            let (session, isNew) = try registry.activate(id, firstRequest: request) { session in
                let made = makeEndpoint(session)
                session.attach(made)
                endpoint = made
            }
            if isNew {
                endpoint?.sessionOpened()
                firstPolls.sessionOpened(id)
            }
            return session
        } catch {
            switch error {
            case .unknown:
                throw BridgeErrors.unknownSession
            case .expired:
                throw HTTPError(.gone, code: "unknown_session",
                                message: "this page was loaded more than \(Int(configuration.firstPollTimeout.secondsValue)) s "
                                    + "before its first request; reload the page")
            case .full(let full):
                throw HTTPError(.serviceUnavailable, code: "too_many_sessions", message: full.description)
            }
        }
    }

    /// The open session an `unload` names; nil when its page leaves before its first request
    /// (nothing to open, and its token is spent so nothing opens later).
    func sessionToUnload(_ id: String) -> Session? {
        guard let open = registry.session(id) else {
            registry.spend(id)
            return nil
        }
        return open
    }
}
