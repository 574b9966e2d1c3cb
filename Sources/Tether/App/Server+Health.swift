extension Server {
    /// A running server's vital signs at one moment (`server.health`), for a supervisor:
    ///
    ///     if let health = server.health, !health.isAccepting { print("no longer taking connections") }
    public struct Health: Sendable, Equatable {
        /// The HTTP accept loop is running, so new connections are taken.
        public let isAccepting: Bool
        /// The session sweeper, which ends abandoned pages, made a pass in its last three intervals.
        public let isSweeperAlive: Bool
        /// Pages with an open session.
        public let openSessions: Int
        /// Seconds since any page's poll last arrived (since the start while none has).
        public let secondsSinceAPollArrived: Double
    }
}
