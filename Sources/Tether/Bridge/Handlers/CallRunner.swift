import TetherHTTP

/// A call, get, set or unload: app code, on a worker.
struct CallRunner: Sendable {
    let opener: SessionOpener
    let log: Log

    func run(_ envelope: BridgeMessage.Envelope, request: HTTPRequest) throws -> HTTPResponse {
        let session: Session
        if envelope.message == .unload {
            guard let open = opener.sessionToUnload(envelope.session) else { return HTTPResponse(status: .noContent) }
            session = open
        } else {
            session = try opener.session(envelope.session, request: request)
        }
        guard let endpoint = session.endpoint else { throw BridgeErrors.unknownSession }
        session.noteHeard()
        switch envelope.message {
        case .call(let function, let arguments):
            return try answer(session, inlineAck: envelope.inlineAck) { () throws(EndpointError) in
                EncodedJSON(encoded: try endpoint.call(function, arguments: arguments))
            }
        case .get(let property):
            return try answer { () throws(EndpointError) in EncodedJSON(encoded: try endpoint.get(property)) }
        case .set(let property, let value):
            return try answer(session, inlineAck: envelope.inlineAck) { () throws(EndpointError) in
                try endpoint.set(property, to: value)
                return .null
            }
        case .next:
            throw HTTPError(.internalServerError, code: "internal", message: "a poll reached the call path")
        case .unload:
            session.close(.unloaded)
            return HTTPResponse(status: .noContent)
        }
    }

    /// Runs a call or set as one batch of writes; those the session gives for the reply (the
    /// page asked for them inline) travel back in it as `"commands"` (see `Session.runCall`).
    private func answer(_ session: Session, inlineAck: Int?,
                        _ body: () throws(EndpointError) -> EncodedJSON) throws(EndpointError) -> HTTPResponse {
        try reply { () throws(EndpointError) -> CallReply in
            let (value, commands) = try session.runCall(inlineAcknowledging: inlineAck, body)
            return CallReply(value: value, commands: commands)
        }
    }

    private func answer(_ body: () throws(EndpointError) -> EncodedJSON) throws(EndpointError) -> HTTPResponse {
        try reply { () throws(EndpointError) in CallReply(value: try body()) }
    }

    /// `{"value":…}` with any inline commands, or the error it threw.
    private func reply(_ body: () throws(EndpointError) -> CallReply) throws(EndpointError) -> HTTPResponse {
        do {
            return .json(ProtocolCodec.encode(try body()))
        } catch {
            if case .failed = error { log.warning("handler failed: \(error.description)") }
            throw error
        }
    }
}
