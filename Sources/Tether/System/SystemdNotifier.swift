#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Tether

/// Why a notification to systemd could not be sent.
public enum SystemdNotifyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `$NOTIFY_SOCKET` is neither an absolute path nor `@name` (vsock and other forms are not spoken).
    case unsupportedAddress(String)
    /// Longer than `sun_path` holds.
    case addressTooLong(String)
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .unsupportedAddress(let address):
            "NOTIFY_SOCKET='\(address)' is neither an absolute path nor an abstract name (@name)"
        case .addressTooLong(let address):
            "NOTIFY_SOCKET='\(address)' is longer than a unix socket address can be"
        case .system(let call, let code):
            "\(call): \(String(cString: strerror(code)))"
        }
    }
}

/// sd_notify without libsystemd: every message is one datagram of `KEY=value` lines sent to
/// the AF_UNIX socket named in `$NOTIFY_SOCKET`, a path or, after `@`, an abstract name.
public final class SystemdNotifier: Sendable {
    /// The address as systemd gave it.
    public let address: String
    private let fd: Int32
    /// `sun_path`'s bytes: the path and its NUL, or a NUL and the abstract name (no trailing NUL).
    private let sunPath: [UInt8]
    private let log: Log
    /// Set after a failed send, so a vanished socket costs one warning, not one per ping.
    private let failing = Atomic<Bool>(false)

    public init(address: String, log: Log) throws(SystemdNotifyError) {
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") {
            bytes[0] = 0
        } else if bytes.first == UInt8(ascii: "/") {
            bytes.append(0)
        } else {
            throw .unsupportedAddress(address)
        }
        guard bytes.count <= MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { throw .addressTooLong(address) }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket(AF_UNIX, SOCK_DGRAM)", errno: errno) }
        self.address = address
        self.fd = fd
        self.sunPath = bytes
        self.log = log
    }

    deinit { close(fd) }

    /// The notifier for `$NOTIFY_SOCKET` (which is then unset), nil when systemd is not
    /// listening. An unusable address is a warning, never a reason to stop serving.
    public static func fromEnvironment(log: Log) -> SystemdNotifier? {
        guard let address = ProcessEnvironment.take(["NOTIFY_SOCKET"])["NOTIFY_SOCKET"], !address.isEmpty else { return nil }
        do {
            return try SystemdNotifier(address: address, log: log)
        } catch {
            log.warning("not notifying systemd: \(error.description)")
            return nil
        }
    }

    /// Sends `fields` as one datagram: `try send(["READY=1", "STATUS=serving"])`.
    public func send(_ fields: [String]) throws(SystemdNotifyError) {
        var message = fields.joined(separator: "\n")
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &target.sun_path) { $0.copyBytes(from: sunPath) }
        let length = socklen_t((MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2) + sunPath.count)
        let sent = message.withUTF8 { text in
            withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    var result: Int
                    repeat {
                        result = sendto(fd, text.baseAddress, text.count, Int32(MSG_NOSIGNAL), address, length)
                    } while result < 0 && errno == EINTR
                    return result < 0 ? -Int(errno) : result
                }
            }
        }
        if sent < 0 { throw .system(call: "sendto \(address)", errno: Int32(-sent)) }
    }

    /// `send` that logs a failure as a warning (once, until a send works again) instead of
    /// throwing: the daemon serves on whether or not systemd hears it.
    @discardableResult
    public func notify(_ fields: [String]) -> Bool {
        do {
            try send(fields)
            failing.store(false, ordering: .relaxed)
            return true
        } catch {
            if !failing.exchange(true, ordering: .relaxed) {
                log.warning("cannot notify systemd (\(fields.first ?? "")): \(error.description)")
            }
            return false
        }
    }
}
