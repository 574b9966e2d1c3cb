import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process figures and descriptor limits for the load tests.
enum ProcessFigures {
    /// Threads of a process now (`/proc/PID/task`).
    static func threadCount(pid: Int32? = nil) -> Int {
        let path = pid.map { "/proc/\($0)/task" } ?? "/proc/self/task"
        return (try? FileManager.default.contentsOfDirectory(atPath: path).count) ?? -1
    }

    /// Resident memory in bytes (`VmRSS` of `/proc/PID/status`).
    static func residentBytes(pid: Int32? = nil) -> Int {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return -1 }
        return kib * 1024
    }

    /// Raises this process's soft descriptor limit to `wanted` when the hard limit allows;
    /// returns the soft limit now.
    @discardableResult
    static func raiseDescriptorLimit(to wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(wanted) {
            limit.rlim_cur = min(limit.rlim_max, rlim_t(wanted))
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}

/// Many bare connected sockets, closed together.
final class SocketCrowd {
    private(set) var descriptors: [Int32] = []

    /// Connects `count` sockets to 127.0.0.1:`port`; stops at the first failure and says why.
    func connect(_ count: Int, port: Int) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw RawConnection.Failure(description: "socket: errno \(errno) after \(descriptors.count)") }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                let code = errno
                close(fd)
                throw RawConnection.Failure(description: "connect: errno \(code) after \(descriptors.count)")
            }
            descriptors.append(fd)
        }
    }

    deinit { for fd in descriptors { close(fd) } }
}
