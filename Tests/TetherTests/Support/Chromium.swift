import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A headless Chromium on one URL, in its own process group with a throwaway profile, kept
/// to loopback. `kill()` (also on deinit) ends the whole group, renderers included.
final class Chromium {
    let pid: Int32
    private let profile: URL
    private var killed = false

    static let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]

    static var executable: String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

    /// The browser to use, or a skip (locally) / failure (in CI, where a missing browser is a defect).
    static func require() throws -> String {
        if let path = executable { return path }
        try missingTool("no Chromium found (apt-get install -y chromium); the browser tests need it", skipping: "browser test")
    }

    static func arguments(profile: String) -> [String] {
        [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--user-data-dir=\(profile)", "--disable-extensions", "--disable-sync", "--disable-background-networking",
            "--disable-component-update", "--disable-default-apps", "--metrics-recording-only",
            // A headless page in the background must not have its timers throttled.
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows",
            // Nothing but this machine's loopback.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--window-size=800,600",
        ]
    }

    /// With `devTools`, the browser also speaks the DevTools protocol on a pipe (for screenshots).
    private(set) var devTools: DevToolsPipe?

    init(url: String, devTools wantsDevTools: Bool = false) throws {
        let executable = try Chromium.require()
        profile = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tether-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var arguments = Chromium.arguments(profile: profile.path)
        var pipes: (toBrowser: [Int32], fromBrowser: [Int32])?
        if wantsDevTools {
            var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
            guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw SpawnFailure(description: "pipe") }
            pipes = (toBrowser, fromBrowser)
            arguments.append("--remote-debugging-pipe")
        }
        pid = try Chromium.spawnInNewSession(executable, arguments: arguments + [url], devToolsPipes: pipes)
        if let pipes {
            close(pipes.toBrowser[0])
            close(pipes.fromBrowser[1])
            devTools = DevToolsPipe(write: pipes.toBrowser[1], read: pipes.fromBrowser[0])
        }
    }

    struct SpawnFailure: Error, CustomStringConvertible { let description: String }

    /// posix_spawn with POSIX_SPAWN_SETSID: the browser leads a session and process group of
    /// its own, so kill(-pid) reaches every process it starts (its crash handlers exit with it).
    static func spawnInNewSession(_ path: String, arguments: [String], devToolsPipes: (toBrowser: [Int32], fromBrowser: [Int32])? = nil) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID (glibc ≥ 2.26)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if let pipes = devToolsPipes {
            // --remote-debugging-pipe reads commands on fd 3 and writes answers on fd 4.
            posix_spawn_file_actions_adddup2(&actions, pipes.toBrowser[0], 3)
            posix_spawn_file_actions_adddup2(&actions, pipes.fromBrowser[1], 4)
            for fd in pipes.toBrowser + pipes.fromBrowser where fd > 4 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: Int32 = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else { throw SpawnFailure(description: "posix_spawn \(path): \(String(cString: strerror(result)))") }
        return pid
    }

    func kill() {
        guard !killed else { return }
        killed = true
        devTools?.close()
        Glibc.kill(-pid, SIGKILL)
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: profile)
    }

    deinit { kill() }
}

/// Waits for `condition` to hold, checking every 20 ms, up to `timeout` seconds.
@discardableResult
func eventually(timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}
