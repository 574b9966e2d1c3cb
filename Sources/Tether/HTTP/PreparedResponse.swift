#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A response as bytes for the wire, made on the thread that answers (off the I/O thread
/// when a worker answers), with what of it was already written.
struct PreparedResponse: Sendable {
    /// A body up to this size goes out in the same buffer as the head.
    static let inlineBodyBytes = 16 * 1024

    /// The head, followed by a small body.
    var head: [UInt8]
    /// A large in-memory body, sent after `head`.
    var body: [UInt8] = []
    /// A large file body, streamed with sendfile after `head`.
    var file: FileRegion?
    /// Bytes of `head` already sent by the answering thread.
    var written = 0
    let keepAlive: Bool
    let status: Int
    let contentLength: Int

    init(_ response: HTTPResponse, method: String, keepAlive: Bool) {
        self.keepAlive = keepAlive
        status = response.status.code
        contentLength = response.contentLength
        guard method != "HEAD" && status != 304 && status != 204 else {
            head = response.serializedHead(keepAlive: keepAlive)
            return
        }
        if let file = response.file, file.length <= Self.inlineBodyBytes {
            // A small file goes out with its head in one write (one segment, as nginx's
            // tcp_nopush gets), framed by what was read if it shrank since it was opened.
            let bytes = file.read()
            head = response.serializedHead(keepAlive: keepAlive, contentLength: bytes.count)
            head.append(contentsOf: bytes)
            return
        }
        head = response.serializedHead(keepAlive: keepAlive)
        if let file = response.file {
            self.file = file  // a large one streams with sendfile
        } else if response.body.count <= Self.inlineBodyBytes {
            head.append(contentsOf: response.body)
        } else {
            body = response.body
        }
    }

    /// All of it is in `head`.
    var isSmall: Bool { body.isEmpty && file == nil }
}

/// A connection's descriptor, closed once, under a lock that a worker also takes to write
/// its answer directly: such a write can never reach a number the kernel has already given
/// to a newer connection.
final class ConnectionSocket: Sendable {
    let fd: Int32
    private let closed = Mutex(false)

    init(fd: Int32) { self.fd = fd }

    func close() {
        closed.withLock { closed in
            guard !closed else { return }
            closed = true
            Glibc.close(fd)
        }
    }

    /// Sends what the socket takes now without blocking; the bytes sent (0 when closed or full).
    func sendNow(_ bytes: [UInt8]) -> Int {
        closed.withLock { closed in
            guard !closed else { return 0 }
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            return max(0, sent)
        }
    }
}
