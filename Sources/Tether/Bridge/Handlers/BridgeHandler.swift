import TetherHTTP

/// One link of the Bridge's chain, as Go's `Handler` is: it answers through the responder (now,
/// from a worker, or later), hands the request on to the next link, or throws an
/// `HTTPResponseError`, whose status and code answer in Tether's error shape.
///
/// `handle` runs on the server's I/O thread and must not block: whatever may run app code goes
/// to `responder.answerOnWorker`.
protocol BridgeHandler: Sendable {
    func handle(_ request: HTTPRequest, responder: any HTTPResponder) throws
}

/// One check in front of a handler (a middleware with one job): returns to let the request on,
/// or throws the refusal.
protocol RequestCheck: Sendable {
    func check(_ request: HTTPRequest) throws(HTTPError)
}

/// `next`, behind `check`.
struct Checked: BridgeHandler {
    let check: any RequestCheck
    let next: any BridgeHandler

    func handle(_ request: HTTPRequest, responder: any HTTPResponder) throws {
        try check.check(request)
        try next.handle(request, responder: responder)
    }
}

extension BridgeHandler {
    /// This handler behind `checks`, the first of them run first.
    func checked(by checks: any RequestCheck...) -> any BridgeHandler {
        checks.reversed().reduce(self) { next, check in Checked(check: check, next: next) }
    }
}

extension HTTPResponder {
    /// Sends `error` in Tether's error shape; an error with no status of its own is a 500.
    func send(error: any Error) {
        send(BridgeErrors.response(for: error))
    }

    /// Runs `body` on a worker (where app code may block) and sends what it returns or throws.
    func answerOnWorker(_ body: @escaping @Sendable () throws -> HTTPResponse) {
        runOnWorker {
            do { self.send(try body()) } catch { self.send(error: error) }
        }
    }
}
