#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A listening TCP socket: bound here, or inherited (systemd socket activation).
public final class Listener: Sendable {
    let fd: Int32
    private let closed = Atomic<Bool>(false)
    /// The address it listens on, as given or as read back.
    public let host: String
    /// The real port, also when 0 was asked for.
    public let port: Int

    /// Binds and listens: `try Listener(host: "127.0.0.1", port: 0)`.
    public init(host: String, port: Int, backlog: Int32 = 511) throws(SocketError) {
        guard (0...65535).contains(port) else { throw .invalidAddress("\(host):\(port)") }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .invalidAddress(host)
        }
        defer { freeaddrinfo(list) }

        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            let code = errno
            Glibc.close(fd)
            if code == EADDRINUSE { throw .addressInUse(host: host, port: port) }
            throw .system(call: "bind \(HostPort.display(host: host, port: port))", errno: code)
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .system(call: "listen", errno: code)
        }
        self.fd = fd
        self.host = host
        self.port = SocketAddress.local(of: fd)?.port ?? port
    }

    /// Takes over a socket that is already listening, as systemd hands it over as fd 3.
    public init(inheritedDescriptor fd: Int32) throws(SocketError) {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else {
            throw .system(call: "getsockopt(fd \(fd))", errno: errno)
        }
        guard type == Int32(SOCK_STREAM.rawValue) else { throw .invalidAddress("fd \(fd) is not a stream socket") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        self.fd = fd
        let (host, port) = SocketAddress.local(of: fd) ?? ("?", 0)
        self.host = host
        self.port = port
    }

    deinit { close() }

    /// Frees the address for the next server; safe to call more than once.
    public func close() {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { Glibc.close(fd) }
    }
}
