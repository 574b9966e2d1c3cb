#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TetherHTTP
import TetherSupport

/// Many open pages driven by one thread with `poll(2)`: each keeps its long-poll alive on its
/// own connection and answers reads, as the fake page does, without a thread per page (the
/// memory figures open 1000). The pages leave with `leave` (unload) or `vanish` (silence).
final class PagePool: @unchecked Sendable {
    // `@unchecked`: `pages` is touched by the pool thread while it runs, and by the owner only
    // before `start` and after `stop` has waited for that thread to end.
    private final class Page {
        let session: String
        let connection: ClientConnection
        var ack = 0
        var alive = true
        init(session: String, connection: ClientConnection) {
            self.session = session
            self.connection = connection
        }
    }

    let port: Int
    private let endpoint = "/_process_srv0"
    private var pages: [Page] = []
    private let stopping = Atomic<Bool>(false)
    private let ended = DispatchSemaphore(value: 0)
    private var started = false
    /// Pages whose poll ended without being asked to.
    let failures = Atomic<Int>(0)
    let polls = Atomic<Int>(0)

    var count: Int { pages.count }

    /// Loads `count` pages of `path`; each opens its poll connection right after its load.
    init(port: Int, count: Int, path: String = "/index.html") throws(ClientConnection.Failure) {
        self.port = port
        var loader = try ClientConnection(port: port)
        pages.reserveCapacity(count)
        for _ in 0..<count {
            var loaded = loader.exchange(RequestBytes.get(port: port, path: path), deadline: Clock.nanos() + Clock.nanos(seconds: 10))
            if !loaded || loader.serverWillClose {
                // The server may close an idle keep-alive connection: one fresh try.
                loader = try ClientConnection(port: port)
                if !loaded {
                    loaded = loader.exchange(RequestBytes.get(port: port, path: path), deadline: Clock.nanos() + Clock.nanos(seconds: 10))
                }
            }
            guard loaded, loader.status == 200, let session = loader.header("X-Tether-Session") else {
                throw ClientConnection.Failure(description: "page \(pages.count + 1) of \(count) did not load (status \(loader.status))")
            }
            let connection = try ClientConnection(port: port, receiveTimeout: 1)
            let page = Page(session: session, connection: connection)
            guard connection.send(nextRequest(page, results: [])) else {
                throw ClientConnection.Failure(description: "page \(pages.count + 1): the poll could not be sent")
            }
            pages.append(page)
        }
    }

    private func nextRequest(_ page: Page, results: [String]) -> [UInt8] {
        RequestBytes.post(port: port, path: endpoint, session: page.session,
                          body: PollReply.nextBody(session: page.session, ack: page.ack, results: results))
    }

    func start() {
        guard !started else { return }
        started = true
        PosixThread.start(stackBytes: 256 * 1024) { [self] in
            run()
            ended.signal()
        }
    }

    /// Ends the pool's thread; the pages stay open on the server until `leave` or `vanish`.
    func stop() {
        guard started, !stopping.exchange(true, ordering: .relaxed) else { return }
        _ = ended.wait(timeout: .now() + .seconds(10))
    }

    /// Every page unloads, as a closing tab's beacon does; then its connections close.
    /// Returns how many unloads were not answered 204.
    @discardableResult
    func leave() -> Int {
        stop()
        var refused = 0
        var loader = try? ClientConnection(port: port)
        for page in pages {
            let request = RequestBytes.post(port: port, path: endpoint, session: page.session, body: PollReply.unloadBody(session: page.session))
            var ok = loader?.exchange(request, deadline: Clock.nanos() + Clock.nanos(seconds: 5)) ?? false
            if !ok {
                loader = try? ClientConnection(port: port)
                ok = loader?.exchange(request, deadline: Clock.nanos() + Clock.nanos(seconds: 5)) ?? false
            }
            if !ok || loader?.status != 204 { refused += 1 }
        }
        for page in pages { page.connection.shutdown() }
        pages = []
        return refused
    }

    /// Every page goes silent (a killed browser): connections cut, no unload.
    func vanish() {
        stop()
        for page in pages { page.connection.shutdown() }
        pages = []
    }

    private func run() {
        var fds = pages.map { pollfd(fd: $0.connection.fd, events: Int16(POLLIN), revents: 0) }
        let endOfLife = Clock.nanos() + Clock.nanos(seconds: FakePage.maxLifetimeSeconds)
        for _ in 0..<100_000_000 {
            if stopping.load(ordering: .relaxed) || Clock.nanos() > endOfLife { return }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready <= 0 { continue }
            for index in fds.indices where fds[index].revents != 0 {
                fds[index].revents = 0
                let page = pages[index]
                if page.connection.receive() == .closed || !handle(page) {
                    page.alive = false
                    fds[index].fd = -1
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
    }

    /// Handles what the page's poll received; false when the page's poll has ended.
    private func handle(_ page: Page) -> Bool {
        for _ in 0..<16 {
            switch page.connection.takeResponse() {
            case .incomplete: return true
            case .malformed: return false
            case .complete: break
            }
            polls.add(1, ordering: .relaxed)
            guard page.connection.status == 200, let commands = PollReply.commands(in: page.connection.bodyBytes) else { return false }
            var results: [String] = []
            for command in commands where command.seq > page.ack {
                page.ack = command.seq
                if let id = command.readID { results.append(PollReply.result(id: id, PollReply.demoAnswer(command.js))) }
            }
            guard page.connection.send(nextRequest(page, results: results)) else { return false }
        }
        return true
    }
}
