/// Every bound of the Bridge, each with one name and one default.
public struct BridgeConfiguration: Sendable {
    /// How long a `next` poll is held when nothing is queued; then `{"commands":[]}`.
    public var pollHold: Duration = .seconds(20)
    /// A served page's token opens its session only this long after the load (later: 410,
    /// and the page reloads); a session that opened with a call and has not polled this
    /// long after opening is closed.
    public var firstPollTimeout: Duration = .seconds(30)
    /// A page that stops polling for this long is closed.
    public var pollGapTimeout: Duration = .seconds(60)
    /// A page whose held poll's connection closed (the page vanished) and that does not poll
    /// again within this is closed; a live page polls again at once.
    public var lostPollGrace: Duration = .seconds(2)
    /// Open sessions at most. At the limit a page's first request closes the session silent
    /// longest (`CloseReason.gaveWay`), never one holding a live poll; only when every open
    /// page holds one is the new page refused `503`. Page loads themselves hold no session.
    public var maxSessions = 1000
    /// Queued commands per page at most; beyond it old writes to the same target are
    /// coalesced, and if that is not enough the page is closed.
    public var maxOutbox = 10_000
    /// How often expired sessions are looked for.
    public var sweepInterval: Duration = .seconds(1)
    /// Pages report their own uncaught errors and unhandled rejections (at most 20 per page
    /// load), besides the statements from Swift that failed, which are always reported.
    public var reportUncaughtPageErrors = true
    /// A page's errors are logged one line per this interval at most; the rest are counted.
    public var errorLogInterval: Duration = .seconds(5)

    public init() {}
}
