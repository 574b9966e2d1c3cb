#if canImport(Glibc)
import Glibc
#endif
import Tether
import TetherSupport

/// `tetherd --open`: shows the start page in an app-style window, as Flexx's `launch()` does.
/// `$TETHER_BROWSER` (a command split as a shell would, quotes honoured; the URL appended)
/// wins; else `chromium --app=URL`; else `xdg-open URL`.
public enum DesktopLauncher {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The command to run, as words; nil when nothing on this machine can open a page.
    public static func command(for url: String, environment: [String: String]) throws(Failure) -> [String]? {
        if let line = environment["TETHER_BROWSER"] {
            let custom: [String]
            do { custom = try ShellWords.split(line) } catch { throw Failure(description: "TETHER_BROWSER: \(error.description)") }
            if !custom.isEmpty { return custom + [url] }
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for browser in ["chromium", "chromium-browser", "google-chrome"] {
            if let found = find(browser, in: path) { return [found, "--app=\(url)"] }
        }
        if let opener = find("xdg-open", in: path) { return [opener, url] }
        return nil
    }

    /// Starts the command in a session of its own (closing the daemon's terminal does not close
    /// the window) and reaps it when it exits; returns its process id.
    public static func open(_ url: String, environment: [String: String]) throws(Failure) -> (pid: Int32, command: [String]) {
        guard let command = try command(for: url, environment: environment) else {
            throw Failure(description: "no browser found to open \(url) (install chromium or xdg-utils, or set TETHER_BROWSER)")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child must not inherit the daemon's blocked signals, or it could not be stopped.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(0x80 | Int32(POSIX_SPAWN_SETSIGMASK)))  // 0x80: POSIX_SPAWN_SETSID
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: Int32 = 0
        let result = posix_spawnp(&pid, command[0], nil, &attributes, argv, environ)
        guard result == 0 else {
            throw Failure(description: "cannot run \(command[0]): \(String(cString: strerror(result)))")
        }
        let child = pid
        PosixThread.start(stackBytes: 64 * 1024) {
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }
        return (pid, command)
    }

    private static func find(_ name: String, in path: String) -> String? {
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
