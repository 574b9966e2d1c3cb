#if canImport(Glibc)
import Glibc
#endif

/// A failed socket call, with the errno text: `bind: Address already in use`.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    case addressInUse(host: String, port: Int)
    case invalidAddress(String)
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .addressInUse(let host, let port): "address already in use: \(HostPort.display(host: host, port: port))"
        case .invalidAddress(let host): "cannot resolve address '\(host)'"
        case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
        }
    }
}

enum HostPort {
    /// `127.0.0.1:8080`, `[::1]:8080`.
    static func display(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
