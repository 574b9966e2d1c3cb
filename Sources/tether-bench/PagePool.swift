#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TetherClient
import TetherHTTP
import TetherSupport

/// Many open pages driven by one thread with `poll(2)`: each is the shared page client, its
/// long-poll kept alive on its own connection and its reads answered as the demo page would,
/// without a thread per page (the memory figures open 1000). The pages leave with `leave`
/// (unload) or `vanish` (silence).
final class PagePool: @unchecked Sendable {
    // `@unchecked`: `pages` is touched by the pool thread while it runs, and by the owner only
    // before `start` and after `stop` has waited for that thread to end.
    private final class Page {
        let client: PageClient
        let connection: ClientConnection
        init(client: PageClient, connection: ClientConnection) {
            self.client = client
            self.connection = connection
        }
    }

    private var pages: [Page] = []
    private let stopping = Atomic<Bool>(false)
    private let ended = DispatchSemaphore(value: 0)
    private var started = false
    /// Pages whose poll ended without being asked to.
    let failures = Atomic<Int>(0)

    var count: Int { pages.count }

    /// Loads `count` pages of `path` over one keep-alive connection; each opens its poll
    /// connection right after its load.
    init(port: Int, count: Int, path: String = "/index.html") throws(BenchError) {
        let loader = SocketTransport(port: port)
        pages.reserveCapacity(count)
        for _ in 0..<count {
            let client: PageClient
            let connection: ClientConnection
            do {
                client = try PageClient(loading: path, over: loader, recording: false) { command in
                    command.readID == nil ? nil : DemoPage.answer(command.code)
                }
                connection = try ClientConnection(port: port, receiveTimeout: 1)
            } catch {
                throw BenchError("page \(pages.count + 1) of \(count) did not open: \(error)")
            }
            let page = Page(client: client, connection: connection)
            guard send(nextPoll: page) else { throw BenchError("page \(pages.count + 1): the poll could not be sent") }
            pages.append(page)
        }
    }

    private func send(nextPoll page: Page) -> Bool {
        page.connection.send(SocketTransport.bytes(of: page.client.nextPollRequest()))
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
        for page in pages {
            do throws(ClientError) { try page.client.unload() } catch { refused += 1 }
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
        let endOfLife = Clock.nanos() + Clock.nanos(seconds: Self.maxLifetimeSeconds)
        for _ in 0..<100_000_000 {
            if stopping.load(ordering: .relaxed) || Clock.nanos() > endOfLife { return }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready <= 0 { continue }
            for index in fds.indices where fds[index].revents != 0 {
                fds[index].revents = 0
                let page = pages[index]
                if page.connection.receive() == .closed || !handle(page) {
                    fds[index].fd = -1
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
    }

    /// No pool polls for longer than this, whatever happens.
    static let maxLifetimeSeconds = 1800.0

    /// Handles what the page's poll received; false when the page's poll has ended.
    private func handle(_ page: Page) -> Bool {
        for _ in 0..<16 {
            switch page.connection.takeResponse() {
            case .incomplete: return true
            case .malformed: return false
            case .complete: break
            }
            guard page.connection.status == 200 else { return false }
            do throws(ClientError) { try page.client.receivePoll(page.connection.bodyBytes) } catch { return false }
            guard send(nextPoll: page) else { return false }
        }
        return true
    }
}
