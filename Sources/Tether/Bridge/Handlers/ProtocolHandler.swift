import TetherHTTP

/// `POST …/_process_srv0`, behind its method, origin and content-type checks. A `next` poll is
/// answered without a worker: parked on the I/O thread until there is something to send, so a
/// held poll pins no thread, and answers to reads reach `page.eval` even when every worker
/// waits in one. Whatever runs app code (calls, get, set, unload, and a page's first request,
/// which opens its session) goes to a worker (`CallRunner`).
struct ProtocolHandler: BridgeHandler {
    let opener: SessionOpener
    let calls: CallRunner
    let registry: SessionRegistry
    let firstPolls: FirstPolls
    let pollHold: Duration

    func handle(_ request: HTTPRequest, responder: any HTTPResponder) throws {
        let envelope: BridgeMessage.Envelope
        do {
            envelope = try ProtocolCodec.decodeMessage(request.body)
        } catch {
            throw HTTPError(.badRequest, code: "malformed_message", message: error.description)
        }
        guard case .next = envelope.message else {
            return responder.answerOnWorker { try calls.run(envelope, request: request) }
        }
        // A `next` of an open session is parked here on the I/O thread, holding no worker.
        let id = envelope.session
        if registry.session(id) != nil { return pollOrRefuse(envelope, request: request, responder: responder) }
        // A page's first request opens its session and makes its app (`init(page:)`): a worker,
        // unless another request of the page (a call racing it) opens it first.
        let pending = FirstPolls.Pending { pollOrRefuse(envelope, request: request, responder: responder) }
        firstPolls.add(pending, for: id)
        if registry.session(id) != nil { return firstPolls.take(pending, for: id) }  // opened meanwhile
        responder.runOnWorker { firstPolls.take(pending, for: id) }
    }

    /// A `next`: the page's errors taken, then answered or parked (`poll`), or the refusal.
    private func pollOrRefuse(_ envelope: BridgeMessage.Envelope, request: HTTPRequest, responder: any HTTPResponder) {
        guard case .next(let ack, let results) = envelope.message else { return }
        do {
            let session = try opener.session(envelope.session, request: request)
            guard session.endpoint != nil else { throw BridgeErrors.unknownSession }
            session.noteHeard()
            session.report(envelope.errors)
            poll(session, acknowledging: ack, results: results.map { ($0.id, $0.outcome) }, responder: responder)
        } catch {
            responder.send(error: error)
        }
    }

    /// Answers a `next` at once, or parks it until something is queued, a newer poll comes,
    /// the hold ends (the server's timer) or the client goes away.
    private func poll(_ session: Session, acknowledging ack: Int, results: [(id: Int, outcome: ReadOutcome)],
                      responder: any HTTPResponder) {
        registry.heldPollBegan()
        let registry = registry
        let start = session.beginPoll(acknowledging: ack, results: results) { waiter in
            let outcome = session.endPoll(waiter)
            registry.heldPollEnded()
            responder.send(Self.pollResponse(outcome))
        }
        switch start {
        case .answered(let outcome):
            registry.heldPollEnded()
            responder.send(Self.pollResponse(outcome))
        case .held(let waiter):
            responder.whenUnanswered(after: pollHold) { waiter.wake() }
            responder.whenClientGone {
                session.pollLost(waiter)
                waiter.wake()
            }
        }
    }

    private static func pollResponse(_ outcome: Session.PollOutcome) -> HTTPResponse {
        switch outcome {
        case .commands(let commands):
            return .json(ProtocolCodec.encode(PollReply(commands: commands)))
        case .closed(.serverStopping):
            return BridgeErrors.response(for: HTTPError(.serviceUnavailable, code: "shutting_down",
                                                        message: "the server is stopping; try again shortly"))
        case .closed:
            return BridgeErrors.response(for: BridgeErrors.unknownSession)
        }
    }
}
