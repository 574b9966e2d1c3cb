import TetherBridge

/// Why a page went, as `App.pageClosed(_:)` hears it.
public enum PageCloseReason: Sendable, Equatable, CustomStringConvertible {
    /// The browser left the page (closed, navigated away, reloaded).
    case unloaded
    /// The page stopped polling (or never started), or stopped taking commands until its
    /// outbox overflowed: a browser that crashed, slept or lost the network.
    case expired
    /// The server is stopping (SIGTERM, `server.stop()`).
    case serverStopping
    /// The app called `page.close()`.
    case closedByApp
    /// The session limit was reached and this page, the one silent longest, gave way to a new
    /// page; it reloads when it next hears from the server.
    case gaveWay

    init(_ reason: CloseReason) {
        switch reason {
        case .unloaded: self = .unloaded
        case .neverPolled, .stoppedPolling, .outboxOverflow: self = .expired
        case .serverStopping: self = .serverStopping
        case .closedByServer: self = .closedByApp
        case .gaveWay: self = .gaveWay
        }
    }

    public var description: String {
        switch self {
        case .unloaded: "unloaded"
        case .expired: "expired"
        case .serverStopping: "server stopping"
        case .closedByApp: "closed by the app"
        case .gaveWay: "gave way at the session limit"
        }
    }
}
