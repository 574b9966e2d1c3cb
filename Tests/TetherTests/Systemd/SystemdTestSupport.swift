import Dispatch
import Foundation
import Synchronization
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// systemd's command-line tools (Debian package `systemd`). Missing here: a skip with the reason
/// printed; missing with `CI=true`: a failure, since `.ci/run` installs them.
enum SystemdTools {
    static func require(_ name: String) throws -> String {
        for directory in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        try missingTool("\(name) not found (apt-get install -y systemd); the systemd tests need it", skipping: "systemd test")
    }

    /// The built tetherd; a missing binary fails (as in DaemonTests), it is never a skip.
    static func tetherd(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = TetherdProcess.executable.path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            let missing = TetherdProcess.Missing(path: path)
            XCTFail(missing.description, file: file, line: line)
            throw missing
        }
        return path
    }

    /// The test runner's environment without systemd's variables, so a suite run under systemd
    /// does not hand its own to the children.
    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter {
            !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"].contains($0.key)
        }
    }
}

/// A child process (systemd-analyze, systemd-socket-activate, sh) whose stderr goes to a file that
/// is read as it grows. It is killed with SIGKILL when released, so a failing test leaves nothing.
///
/// Spawned with posix_spawn, not Foundation's `Process`: `Process` learns that a child exited
/// when a socket it hands the child reaches EOF, and systemd-socket-activate closes every fd
/// but its sockets before it execs tetherd; `Process` then blocks its only monitor thread in
/// waitpid on a daemon still running, and no other child's exit (curl's) is ever seen.
final class LoggedProcess {
    let pid: pid_t
    private let stdoutURL: URL
    private let stderrURL: URL
    private let exit = ExitState()

    /// Set once by the thread that reaps the child.
    private final class ExitState: Sendable {
        let status = Mutex<Int32?>(nil)
        let reaped = DispatchSemaphore(value: 0)
    }

    struct SpawnFailure: Error, CustomStringConvertible { let description: String }

    init(_ executable: String, _ arguments: [String], environment: [String: String] = SystemdTools.cleanEnvironment) throws {
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tether-child-\(UUID().uuidString)")
        stdoutURL = scratch.appendingPathExtension("out")
        stderrURL = scratch.appendingPathExtension("err")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing of the test process leaks into the child (such as another child's pipes).
        for fd in Self.openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test process ignores SIGPIPE (its in-process servers) and may block signals: the child must not.
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SpawnFailure(description: "cannot run \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        let exit = self.exit, child = pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            exit.status.withLock { $0 = status }
            exit.reaped.signal()
        }
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: stdoutURL)
        try? FileManager.default.removeItem(at: stderrURL)
    }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    private var isRunning: Bool { exit.status.withLock { $0 == nil } }

    /// SIGKILL if still running; safe to call more than once.
    func kill() {
        guard isRunning else { return }
        _ = Glibc.kill(pid, SIGKILL)
        if exit.reaped.wait(timeout: .now() + 5) == .success { exit.reaped.signal() }
    }

    func send(_ signal: Int32) { if isRunning { _ = Glibc.kill(pid, signal) } }

    /// The exit status once it exited within `timeout`; nil while running or after a signal.
    func waitForExit(timeout: Double) -> Int32? {
        guard exit.reaped.wait(timeout: .now() + timeout) == .success else { return nil }
        exit.reaped.signal()  // later calls see it too
        guard let status = exit.status.withLock({ $0 }), status & 0x7f == 0 else { return nil }  // WIFEXITED
        return (status >> 8) & 0xff  // WEXITSTATUS
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The first stderr line that `match` accepts, waiting up to `timeout` (checked every 20 ms).
    func waitForStderrLine(timeout: Double = 10, _ match: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let line = stderr.split(separator: "\n").map(String.init).first(where: match) { return line }
            if Date() >= deadline { return nil }
            usleep(20_000)
        }
    }

    /// Runs to the end (killed after `timeout`): exit status, stdout, stderr.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 60) throws
        -> (status: Int32?, stdout: String, stderr: String) {
        let child = try LoggedProcess(executable, arguments)
        let status = child.waitForExit(timeout: timeout)
        child.kill()
        return (status, child.stdout, child.stderr)
    }
}

/// A datagram socket standing in for systemd's notify socket: `address` is what goes into
/// `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace).
final class NotifySocket {
    let address: String
    private let fd: Int32
    private let path: String?

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(abstract: Bool = false) throws {
        let name = "tether-notify-\(UUID().uuidString.prefix(8))"
        let path = abstract ? nil : NSTemporaryDirectory() + name + ".sock"
        address = path ?? "@" + name
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 } else { bytes.append(0) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &target.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t((MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2) + bytes.count)
        let bound = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "bind \(address): \(String(cString: strerror(code)))")
        }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// The next datagram, waiting up to `timeout`; nil when none came.
    func receive(timeout: Double) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let wait = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            let ready = poll(&pfd, 1, wait)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return nil }
            return String(decoding: buffer[0..<got], as: UTF8.self)
        }
    }

    /// Receives into `messages` until `done` holds for them, for at most `timeout` seconds in
    /// all; true when `done` was reached.
    func receive(into messages: inout [String], timeout: Double = 5, until done: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !done(messages) {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, let message = receive(timeout: remaining) else { return false }
            messages.append(message)
        }
        return true
    }
}

extension String {
    /// The `KEY=value` lines of an sd_notify datagram.
    var notifyFields: [String] { split(separator: "\n").map(String.init) }
}
