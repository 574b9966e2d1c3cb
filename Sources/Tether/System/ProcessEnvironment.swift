#if canImport(Glibc)
import Glibc
#endif

/// The few environment variables systemd hands the daemon. `take` reads and unsets them, as
/// `sd_listen_fds(1)` and `sd_notify(1, …)` do, so a child (a browser from `--open`) never
/// speaks to systemd in our name. Call it before any thread starts: `unsetenv` is not thread-safe.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    /// The values of `names` (absent ones left out), then unsets them all.
    static func take(_ names: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for name in names {
            if let value = value(name) { values[name] = value }
            unsetenv(name)
        }
        return values
    }
}
