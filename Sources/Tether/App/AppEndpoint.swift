import Dispatch
import Synchronization
import TetherBridge
import TetherSupport

/// The session endpoint of one page's app: dispatches exposed names, holding the app's lock.
package final class AppEndpoint<A: App>: SessionEndpoint, @unchecked Sendable {
    // `@unchecked`: `app` is not Sendable; it is touched only while `page.appLock` is held
    // (calls, property access, `main` outside `page.sleep`, `page.withApp`).
    package let app: A
    package let page: Page
    private let exposed: Exposed<A>
    private let log: Log
    /// Entered while `main` runs.
    private let mainRunning = DispatchGroup()
    /// Runs `pageError` off the poll's thread, in the order reported; made on the first error,
    /// so a page that reports none costs nothing for it.
    private let errorHookQueue = Mutex<DispatchQueue?>(nil)

    private var errorHooks: DispatchQueue {
        errorHookQueue.withLock { queue in
            if let queue { return queue }
            let made = DispatchQueue(label: "tether.page-errors")
            queue = made
            return made
        }
    }

    package init(session: Session, exposed: Exposed<A>, evalTimeout: Duration, log: Log) {
        let page = Page(session: session, defaultEvalTimeout: evalTimeout, appLock: OwnedLock())
        self.page = page
        self.exposed = exposed
        self.log = log
        app = page.appLock.withLock { page.initializing { A(page: page) } }
        exposedNames = exposed.names
    }

    package let exposedNames: ExposedNames

    package func call(_ function: String, arguments: [JSONValue]) throws(EndpointError) -> String {
        guard let method = exposed.methods[function] else { throw .unknownFunction(function) }
        return try page.appLock.withLock { () throws(EndpointError) -> String in try Self.typed { try method(app, arguments) } }
    }

    package func get(_ property: String) throws(EndpointError) -> String {
        guard let getter = exposed.getters[property] else { throw .unknownProperty(property) }
        return try page.appLock.withLock { () throws(EndpointError) -> String in try Self.typed { try getter(app) } }
    }

    package func set(_ property: String, to value: JSONValue) throws(EndpointError) {
        guard let setter = exposed.setters[property] else {
            if exposed.getters[property] != nil { throw .readOnlyProperty(property) }
            throw .unknownProperty(property)
        }
        try page.appLock.withLock { () throws(EndpointError) in try Self.typed { try setter(app, value) } }
    }

    /// A handler's own error becomes `.failed` with its description (answered with 500);
    /// `InvalidInput` becomes `.badArguments` (400).
    private static func typed<T>(_ body: () throws -> T) throws(EndpointError) -> T {
        do {
            return try body()
        } catch let error as EndpointError {
            throw error
        } catch let error as InvalidInput {
            throw .badArguments(error.message)
        } catch {
            throw .failed("\(error)")
        }
    }

    package func sessionOpened() {
        guard app is any MainLoop else { return }
        mainRunning.enter()
        let started = PosixThread.start(stackBytes: 1024 * 1024) { [self] in
            runMain()
            mainRunning.leave()
        }
        if !started {
            mainRunning.leave()
            log.error("page \(page.id.prefix(8)): cannot start a thread for main")
        }
    }

    /// True once `main` has returned (or never ran) within `timeout`.
    package func waitForMainToEnd(timeout: Duration) -> Bool {
        mainRunning.wait(timeout: .now() + timeout.dispatchInterval) == .success
    }

    private func runMain() {
        guard let main = app as? any MainLoop else { return }
        page.appLock.withLock {
            do {
                try main.main(page: page)
            } catch EvalError.pageClosed {
                // The usual way out: the page went away while main was reading from it.
            } catch {
                log.warning("page \(page.id.prefix(8)): main ended with an error: \(error)")
            }
        }
    }

    /// Returns once every `pageError` call queued so far has run.
    package func waitForErrorHooks() { errorHooks.sync {} }

    package func pageReported(_ errors: [PageError]) {
        errorHooks.async { [self] in
            page.appLock.withLock { for error in errors { app.pageError(error) } }
        }
    }

    package func sessionClosed(_ reason: CloseReason) {
        let reason = PageCloseReason(reason)
        page.appLock.withLock { app.pageClosed(reason) }
    }
}
