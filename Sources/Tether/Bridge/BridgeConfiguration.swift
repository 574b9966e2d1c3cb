/// Every bound of the Bridge, each with one name and one default.
public struct BridgeConfiguration: Sendable {
    /// How long a `next` poll is held when nothing is queued; then `{"commands":[]}`.
    public var pollHold: Duration = .seconds(20)
    /// A page that has not polled this long after being served is closed.
    public var firstPollTimeout: Duration = .seconds(30)
    /// A page that stops polling for this long is closed.
    public var pollGapTimeout: Duration = .seconds(60)
    /// A page whose held poll's connection closed (the page vanished) and that does not poll
    /// again within this is closed; a live page polls again at once.
    public var lostPollGrace: Duration = .seconds(2)
    /// Open sessions at most; one more page load gets `503`.
    public var maxSessions = 1000
    /// Queued commands per page at most; beyond it old writes to the same target are
    /// coalesced, and if that is not enough the page is closed.
    public var maxOutbox = 10_000
    /// How often expired sessions are looked for.
    public var sweepInterval: Duration = .seconds(1)

    public init() {}
}
