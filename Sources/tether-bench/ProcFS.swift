#if canImport(Glibc)
import Glibc
#endif

/// What the kernel says about a process: memory and CPU time from `/proc/PID`.
enum ProcFS {
    static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        for _ in 0..<(limit / 8192 + 1) {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Resident set size in bytes (`/proc/PID/statm`, second field).
    static func rss(_ pid: pid_t) -> Int? {
        guard let text = read("/proc/\(pid)/statm"), let field = text.split(separator: " ").dropFirst().first,
              let pages = Int(field) else { return nil }
        return pages * pageSize
    }

    /// User plus system CPU time in clock ticks (`/proc/PID/stat`, fields 14 and 15), dead threads included.
    static func cpuTicks(_ pid: pid_t) -> Int? {
        guard let text = read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are 11 and 12.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// CPU nanoseconds of every live thread (`/proc/PID/task/*/schedstat`, first field): finer
    /// than ticks, but a thread that ended takes its time with it.
    static func threadCPUNanos(_ pid: pid_t) -> Int64? {
        guard let directory = opendir("/proc/\(pid)/task") else { return nil }
        defer { closedir(directory) }
        var total: Int64 = 0
        for _ in 0..<100_000 {
            guard let entry = readdir(directory) else { break }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let first = name.utf8.first, first >= 48, first <= 57 else { continue }
            if let text = read("/proc/\(pid)/task/\(name)/schedstat"), let field = text.split(separator: " ").first,
               let nanos = Int64(field) {
                total += nanos
            }
        }
        return total
    }

    /// A number field of `/proc/PID/status` (`Threads`, `RssAnon` in kB).
    static func status(_ pid: pid_t, _ field: String) -> Int? {
        guard let text = read("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).trimmingCharacters().prefix { $0.isNumber })
        }
        return nil
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\n" { slice = slice.dropLast() }
        return slice
    }
}
