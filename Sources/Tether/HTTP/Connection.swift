#if canImport(Glibc)
import Glibc
#endif

/// One client connection: its bytes in and out and where it is in the request cycle. Touched
/// only on the I/O thread; it holds no thread of its own.
final class Connection {
    enum Phase {
        /// Waiting for the first byte of a request (a new connection, or an idle keep-alive one).
        case idle
        /// Part of a head has come.
        case head
        /// The head is in; the body is still coming.
        case body(RequestParser.Head)
        /// A handler has the request; the connection waits for its response.
        case handling
        /// A response is going out.
        case writing
    }

    /// What happens when `deadline` passes.
    enum Expiry {
        /// `408`, then close: the request did not arrive in time.
        case requestTimeout(method: String)
        /// Close without a word: idle too long, or the client stopped reading.
        case close
        /// The handler's `whenUnanswered` timer.
        case timer(@Sendable () -> Void)
    }

    let fd: Int32
    let socket: ConnectionSocket
    /// Packed into the epoll event: a serial above the descriptor, so an event for a closed
    /// connection is not taken for a new one that got the same number (NIO's registration id).
    let token: UInt64
    let acceptedAt: ContinuousClock.Instant
    /// The client's address, asked of the kernel once at accept (`HTTPRequest.peerAddress`).
    let peerAddress: String?
    var phase = Phase.idle
    var input: [UInt8] = []
    var parser: RequestParser
    /// Whether a request was answered on it: an idle connection is then an idle keep-alive one.
    var servedOne = false
    var deadline: ContinuousClock.Instant?
    var expiry = Expiry.close
    /// The epoll events asked for now.
    var interest: UInt32 = 0

    /// The request being handled.
    var responder: ConnectionResponder?

    /// The response going out: head (and a small body), a large in-memory body, or a file.
    var outHead: [UInt8] = []
    var outBody: [UInt8] = []
    var outWritten = 0
    var outFile: FileRegion?
    var fileSent = 0
    var closeAfterWrite = false

    /// Idle keep-alive connections, oldest first: the first gives way at the connection cap.
    var idleSince: ContinuousClock.Instant?
    weak var idlePrevious: Connection?
    var idleNext: Connection?

    init(fd: Int32, serial: UInt32, configuration: HTTPConfiguration, now: ContinuousClock.Instant) {
        self.fd = fd
        socket = ConnectionSocket(fd: fd)
        token = UInt64(serial) << 32 | UInt64(UInt32(bitPattern: fd))
        acceptedAt = now
        peerAddress = SocketAddress.peer(of: fd)?.host
        parser = RequestParser(configuration: configuration)
    }

    static func descriptor(of token: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: token)) }

    var isWaitingForResponse: Bool {
        if case .handling = phase { return true }
        return false
    }

    var hasPendingOutput: Bool { outWritten < outHead.count + outBody.count || outFile.map { fileSent < $0.length } ?? false }
}

/// The oldest idle keep-alive connection first; O(1) to join, leave and take.
struct IdleList {
    private(set) var oldest: Connection?
    private var newest: Connection?

    mutating func append(_ connection: Connection, now: ContinuousClock.Instant) {
        guard connection.idleSince == nil else { return }
        connection.idleSince = now
        connection.idlePrevious = newest
        connection.idleNext = nil
        if let newest { newest.idleNext = connection } else { oldest = connection }
        newest = connection
    }

    mutating func remove(_ connection: Connection) {
        guard connection.idleSince != nil else { return }
        connection.idleSince = nil
        let previous = connection.idlePrevious, next = connection.idleNext
        if let previous { previous.idleNext = next } else { oldest = next }
        if let next { next.idlePrevious = previous } else { newest = previous }
        connection.idlePrevious = nil
        connection.idleNext = nil
    }
}
