/// The hosts this server answers for, checked against `Host` (DNS rebinding) and `Origin`
/// (cross-site requests). Loopback names with the server's port are always allowed, and the
/// bound address; more come from configuration (`--allow-host kiosk.local`).
public struct HostAllowList: Sendable, Equatable {
    /// `host:port` entries, and bare host names that match any port.
    private let exact: Set<String>
    private let anyPort: Set<String>

    /// `extra` entries may carry a port (`kiosk.local:8080`) or not (`kiosk.local`: any port).
    public init(boundHost: String, port: Int, extra: [String] = []) {
        var exact: Set<String> = []
        for host in ["127.0.0.1", "localhost", "::1", boundHost] where !Self.isWildcard(host) {
            exact.insert(Self.authority(host: host, port: port))
        }
        var anyPort: Set<String> = []
        for entry in extra.map({ $0.lowercased() }) where !entry.isEmpty {
            if Self.split(entry).port != nil { exact.insert(entry) } else { anyPort.insert(Self.split(entry).host) }
        }
        self.exact = Set(exact.map { $0.lowercased() })
        self.anyPort = anyPort
    }

    /// Whether `authority` (a `Host` value: `127.0.0.1:8080`, `[::1]:8080`, `kiosk.local`) is ours.
    /// A missing (or empty) port is the scheme's default (RFC 9110 §4.2): browsers and curl send
    /// `Host: 127.0.0.1` to a server on port 80.
    public func allows(authority: String, defaultPort: Int = 80) -> Bool {
        let lowered = authority.lowercased()
        if exact.contains(lowered) { return true }
        let (host, port) = Self.split(lowered)
        if anyPort.contains(host) { return true }
        guard port == nil, !host.isEmpty, !Self.hasPortText(lowered) else { return false }
        return exact.contains(Self.authority(host: host, port: defaultPort))
    }

    /// Whether text follows the host's `:` (`kiosk:80`, `kiosk:x`), not just `kiosk` or `kiosk:`.
    private static func hasPortText(_ authority: String) -> Bool {
        let afterHost = authority.hasPrefix("[") ? authority.drop { $0 != "]" }.dropFirst() : authority.drop { $0 != ":" }
        return !(afterHost.isEmpty || afterHost == ":")
    }

    /// Whether an `Origin` (`http://127.0.0.1:8080`) names one of our hosts. `null` never does.
    public func allows(origin: String) -> Bool {
        let lowered = origin.lowercased()
        for (scheme, defaultPort) in [("http://", 80), ("https://", 443)] where lowered.hasPrefix(scheme) {
            let authority = lowered.dropFirst(scheme.count)
            guard !authority.contains("/") else { return false }
            return allows(authority: String(authority), defaultPort: defaultPort)
        }
        return false
    }

    static func authority(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func isWildcard(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" || host.isEmpty }

    /// `[::1]:8080` → (`::1`, 8080); `kiosk.local` → (`kiosk.local`, nil).
    static func split(_ authority: String) -> (host: String, port: Int?) {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let rest = authority[authority.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        if let colon = authority.lastIndex(of: ":"), authority.firstIndex(of: ":") == colon {
            return (String(authority[..<colon]), Int(authority[authority.index(after: colon)...]))
        }
        return (authority, nil)
    }
}
