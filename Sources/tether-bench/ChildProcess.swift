#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TetherSupport

/// The child running now (tetherd, nginx or wrk), for the signal handler to kill
/// when the bench is interrupted; 0 when none.
let runningChild = Atomic<Int32>(0)

/// A child process started with `posix_spawn`: stdin /dev/null, stderr (and stdout, if asked)
/// collected by a thread. `stop` always reaps it.
final class ChildProcess: @unchecked Sendable {
    // `@unchecked`: `reaped` is used by the owning thread only; output is behind its mutex.
    struct Failure: Error, CustomStringConvertible { let description: String }

    let pid: pid_t
    let startedAt: Int64
    private let output = Mutex<[UInt8]>([])
    private let outputArrived = DispatchSemaphore(value: 0)
    private let outputEnded = DispatchSemaphore(value: 0)
    private var reaped: Int32?

    static let maxOutputBytes = 1 << 20

    /// Starts `path` with `arguments`; stdout goes to the collected output too when `captureStdout`.
    init(_ path: String, _ arguments: [String], captureStdout: Bool = false) throws(Failure) {
        var out: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else { throw Failure(description: "pipe: errno \(errno)") }
        // Only the child's 0, 1 and 2 (made by dup2) survive exec, not these ends.
        for fd in out { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 2)
        if captureStdout {
            posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        // The child starts with default signal handling and nothing blocked (the bench ignores SIGPIPE).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let started = Clock.nanos()
        let result = argv.withUnsafeBufferPointer { list -> Int32 in
            guard let base = list.baseAddress else { return EINVAL }
            return posix_spawn(&pid, path, &actions, &attributes, base, environ)
        }
        close(out[1])
        guard result == 0 else {
            close(out[0])
            throw Failure(description: "cannot start \(path): errno \(result)")
        }
        self.pid = pid
        startedAt = started
        runningChild.store(pid, ordering: .relaxed)
        let reader = out[0]
        PosixThread.start(stackBytes: 128 * 1024) { [self] in
            collect(reader)
            close(reader)
            outputEnded.signal()
        }
    }

    private func collect(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<10_000_000 {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            output.withLock { text in
                text.append(contentsOf: chunk[0..<got])
                if text.count > Self.maxOutputBytes { text.removeFirst(text.count - Self.maxOutputBytes) }
            }
            outputArrived.signal()
        }
        outputArrived.signal()
    }

    /// Everything written so far.
    var outputText: String { output.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits until the output holds a line containing `marker`; returns that line.
    func waitForLine(containing marker: String, timeout: Double) -> String? {
        let deadline = Clock.nanos() + Clock.nanos(seconds: timeout)
        for _ in 0..<100_000 {
            if let line = outputText.split(separator: "\n").first(where: { $0.contains(marker) }) { return String(line) }
            let left = deadline - Clock.nanos()
            if left <= 0 || isExited { return nil }
            _ = outputArrived.wait(timeout: .now() + .nanoseconds(Int(min(left, 100_000_000))))
        }
        return nil
    }

    /// Whether it has exited (reaps it if so).
    var isExited: Bool {
        if reaped != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = status
            return true
        }
        return false
    }

    /// Waits for it to exit by itself, up to `timeout`; its exit code, nil if still running.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Clock.nanos() + Clock.nanos(seconds: timeout)
        for _ in 0..<1_000_000 {
            if isExited { break }
            if Clock.nanos() > deadline { return nil }
            Clock.sleep(seconds: 0.001)
        }
        _ = outputEnded.wait(timeout: .now() + .seconds(2))
        if runningChild.load(ordering: .relaxed) == pid { runningChild.store(0, ordering: .relaxed) }
        guard let status = reaped else { return nil }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Stops it: SIGTERM at once with `terminate`, else after waiting `grace` for it to exit;
    /// SIGKILL if that is not enough. Always reaps it; returns its exit code.
    @discardableResult
    func stop(terminate: Bool = false, grace: Double = 3) -> Int32? {
        if terminate { kill(pid, SIGTERM) }
        if let code = waitForExit(timeout: grace) { return code }
        if !terminate {
            kill(pid, SIGTERM)
            if let code = waitForExit(timeout: grace) { return code }
        }
        kill(pid, SIGKILL)
        return waitForExit(timeout: 5)
    }

    deinit {
        if reaped == nil { stop(terminate: true, grace: 1) }
    }

    /// The first executable named `name` on `PATH`.
    static func find(_ name: String) -> String? {
        guard let path = getenv("PATH") else { return nil }
        for directory in String(cString: path).split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
