import Dispatch

/// Every bound of the HTTP layer, each with one name and one default.
public struct HTTPConfiguration: Sendable {
    /// Address to bind: `127.0.0.1` (default), `::1`, `::`, `0.0.0.0` or a host name.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (read it back from `HTTPServer.port`).
    public var port = 8080
    /// Open connections at most. At the cap the connection idle longest (a keep-alive one
    /// waiting for its next request) is closed to admit a new one; when none is idle the new
    /// one gets `503` and is closed. Also bounded by the descriptor limit, which `start`
    /// raises toward this (the soft limit up to the hard one).
    public var maxConnections = 16_384
    /// Longest request line (method, target, version); longer gets `414`.
    public var maxRequestLineBytes = 8 * 1024
    /// Longest header block after the request line; longer gets `431`.
    public var maxHeaderBytes = 32 * 1024
    /// Most header fields; more gets `431`.
    public var maxHeaderCount = 100
    /// Largest `Content-Length`; larger gets `413` before any of it is read.
    public var maxBodyBytes = 1024 * 1024
    /// Time a client has to send a whole request head, from its first byte (or from connecting); then `408` (slowloris).
    public var headerTimeout: Duration = .seconds(10)
    /// Time a client has to send a declared body once the head is in; then `408`.
    public var bodyTimeout: Duration = .seconds(10)
    /// An idle keep-alive connection is closed after this.
    public var idleTimeout: Duration = .seconds(30)
    /// A client that does not read our response for this long is dropped.
    public var writeTimeout: Duration = .seconds(10)
    /// On stop, requests in flight get this long to finish before their connections are cut.
    public var shutdownGrace: Duration = .milliseconds(1500)
    /// Worker threads that run handlers and app code, always there.
    public var workerThreads = 4
    /// Worker threads at most: more start while every worker is busy (blocked in app code or
    /// `page.eval`) and requests wait; those above `workerThreads` end after 10 s without work.
    public var maxWorkerThreads = 32
    /// Stack of each worker thread; handlers run on it.
    public var threadStackBytes = 512 * 1024
    /// Connections refused or reclaimed at a limit are logged as one line per interval.
    public var limitLogInterval: Duration = .seconds(10)
    /// How the server's own refusals (`400`, `408`, `413`, `431`, `503`, …) are written; the
    /// layer above sets its shape (Tether's `Server` sets its JSON error body).
    public var errorFormat: HTTPErrorFormat = .plainText

    public init() {}
}

extension Duration {
    /// The same span for Dispatch's waits.
    public var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(clamping: seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// Whole milliseconds, rounded up, never negative; what `poll(2)` takes.
    var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    /// Whole microseconds, for logs.
    public var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }

    /// Seconds as a Double, for logs and JSON.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
