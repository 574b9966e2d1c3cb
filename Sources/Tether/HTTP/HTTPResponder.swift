import Dispatch
import Synchronization
import TetherSupport

/// How a handler answers one request, now or later, from any thread. Held by the handler
/// while it waits; the connection meanwhile waits in epoll and holds no thread.
public protocol HTTPResponder: Sendable {
    /// Sends the response. Only the first call counts.
    func send(_ response: HTTPResponse)
    /// Runs `body` on a worker thread, where blocking (app code, `page.eval`) is allowed.
    func runOnWorker(_ body: @escaping @Sendable () -> Void)
    /// Runs `body` once `delay` has passed, unless the response was sent by then. It runs on
    /// the I/O thread, so it must not block; it is expected to `send`.
    func whenUnanswered(after delay: Duration, _ body: @escaping @Sendable () -> Void)
    /// Runs `body` once if the client goes away before the response is sent (it must not block).
    func whenClientGone(_ body: @escaping @Sendable () -> Void)
}

/// Answers on the calling thread: `respond(to:)` of a handler written against the responder,
/// for use outside the server (tests, mounting behind another server). Nothing is ever gone.
package final class BlockingResponder: HTTPResponder {
    private let answered = DispatchSemaphore(value: 0)
    private struct State {
        var response: HTTPResponse?
        var timer: (delay: Duration, body: @Sendable () -> Void)?
    }
    private let state = Mutex(State())

    package init() {}

    package func send(_ response: HTTPResponse) {
        let first = state.withLock { state -> Bool in
            guard state.response == nil else { return false }
            state.response = response
            return true
        }
        if first { answered.signal() }
    }

    package func runOnWorker(_ body: @escaping @Sendable () -> Void) { body() }

    package func whenUnanswered(after delay: Duration, _ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.timer = (delay, body) }
    }

    package func whenClientGone(_ body: @escaping @Sendable () -> Void) {}

    /// Blocks until the response is sent, running the timer when it is due.
    package func wait() -> HTTPResponse {
        if let timer = state.withLock({ $0.timer }) {
            if answered.wait(timeout: .now() + timer.delay.dispatchInterval) == .timedOut {
                timer.body()
                answered.wait()
            }
        } else {
            answered.wait()
        }
        // The timer may hold what holds this responder (a poll's waiter): let both go.
        return state.withLock { state in
            state.timer = nil
            return state.response
        } ?? HTTPResponse(status: .internalServerError)
    }
}
