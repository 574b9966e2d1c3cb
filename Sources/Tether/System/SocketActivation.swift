#if canImport(Glibc)
import Glibc
#endif
import Tether

/// Why the sockets systemd passed could not be served.
public enum SocketActivationError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(name: String, value: String)
    case unusable(fd: Int32, SocketError)
    case notListening(fd: Int32)

    public var description: String {
        switch self {
        case .malformed(let name, let value): "socket activation: \(name)='\(value)' is not a valid number"
        case .unusable(let fd, let error): "socket activation: cannot serve fd \(fd): \(error.description)"
        case .notListening(let fd): "socket activation: fd \(fd) is not a listening socket"
        }
    }
}

/// systemd socket activation, as `sd_listen_fds` does it: systemd binds the port (the socket
/// unit), starts tetherd when it likes, and passes the socket as fd 3, announced by
/// `LISTEN_PID` (which must be ours) and `LISTEN_FDS` (how many, from fd 3 on). Restarts then
/// lose no connection: they wait in the socket's backlog, which systemd keeps open.
public enum SocketActivation {
    /// `SD_LISTEN_FDS_START`.
    public static let firstDescriptor: Int32 = 3

    /// The first socket systemd passed, nil when this process was not socket-activated.
    /// `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` are unset either way, so a child never
    /// takes them for its own. Only the first socket is served: further ones are closed, with
    /// a warning (tetherd serves one address; list one `ListenStream=` in the socket unit).
    public static func takeListener(log: Log) throws(SocketActivationError) -> Listener? {
        let values = ProcessEnvironment.take(["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"])
        let count = try descriptorCount(listenPID: values["LISTEN_PID"], listenFDs: values["LISTEN_FDS"], ourPID: getpid())
        guard count > 0 else { return nil }
        let first = firstDescriptor
        if count > 1 {
            let last = first + Int32(count) - 1
            log.warning("socket activation: \(count) sockets passed, serving only the first (fd \(first)); closing fds \(first + 1)-\(last)")
            for fd in (first + 1)...last { close(fd) }
        }
        let listener: Listener
        do {
            listener = try Listener(inheritedDescriptor: first)
        } catch {
            throw .unusable(fd: first, error)
        }
        guard isListening(first) else { throw .notListening(fd: first) }
        return listener
    }

    /// How many sockets were passed to `ourPID`: 0 when none, or when they were meant for
    /// another process (the variables leaked from a parent).
    static func descriptorCount(listenPID: String?, listenFDs: String?, ourPID: Int32) throws(SocketActivationError) -> Int {
        guard let listenPID else { return 0 }
        guard let pid = Int32(listenPID), pid > 0 else { throw .malformed(name: "LISTEN_PID", value: listenPID) }
        guard pid == ourPID, let listenFDs else { return 0 }
        // The bound keeps `first + count - 1` a valid descriptor number.
        guard let count = Int(listenFDs), count >= 0, count <= Int(Int32.max - firstDescriptor) else {
            throw .malformed(name: "LISTEN_FDS", value: listenFDs)
        }
        return count
    }

    /// A socket on which `listen` was called: one bound but not listening cannot accept.
    private static func isListening(_ fd: Int32) -> Bool {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0
    }
}
