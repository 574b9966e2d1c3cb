#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The `Date` header value (RFC 9110 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`), formatted
/// once per second and shared by every response made within it.
public enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    /// Now, as IMF-fixdate.
    public static var now: String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = Int(spec.tv_sec)
        return cache.withLock { cached in
            if cached.second != second { cached = (second, format(secondsSinceEpoch: second)) }
            return cached.text
        }
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `format(secondsSinceEpoch: 784111777)` is `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func format(secondsSinceEpoch: Int) -> String {
        var time = time_t(secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = days[Int(parts.tm_wday) % 7], month = months[Int(parts.tm_mon) % 12]
        return "\(day), \(two(parts.tm_mday)) \(month) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
