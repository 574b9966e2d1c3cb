#if canImport(Glibc)
import Glibc
#endif

/// The IP address and port at either end of a TCP socket, as text (`127.0.0.1`, `::1`).
enum SocketAddress {
    /// The client's end of a connection; nil for a Unix socket or when the kernel does not say.
    static func peer(of fd: Int32) -> (host: String, port: Int)? { address(of: fd, getpeername) }

    /// This server's end of a listening or connected socket.
    static func local(of fd: Int32) -> (host: String, port: Int)? { address(of: fd, getsockname) }

    private static func address(
        of fd: Int32, _ get: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> (host: String, port: Int)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let got = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { get(fd, $0, &length) }
        }
        guard got == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    text(of: address.pointee.sin_addr, family: AF_INET).map { ($0, Int(UInt16(bigEndian: address.pointee.sin_port))) }
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    text(of: address.pointee.sin6_addr, family: AF_INET6).map { ($0, Int(UInt16(bigEndian: address.pointee.sin6_port))) }
                }
            default:
                return nil
            }
        }
    }

    /// `inet_ntop` of an `in_addr` or `in6_addr`.
    private static func text<Raw>(of raw: Raw, family: Int32) -> String? {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written = withUnsafeBytes(of: raw) { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        guard written != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
