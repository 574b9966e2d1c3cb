/// Ids that must not open a session again until they expire, oldest first, bounded.
struct SpentTokens {
    private var expiries: [String: ContinuousClock.Instant] = [:]
    /// Insertion order; `head` is the oldest entry still in use.
    private var order: [String] = []
    private var head = 0

    var count: Int { expiries.count }

    func contains(_ id: String, now: ContinuousClock.Instant) -> Bool {
        guard let expiry = expiries[id] else { return false }
        return expiry > now
    }

    mutating func insert(_ id: String, until expiry: ContinuousClock.Instant, capacity: Int) {
        let now = ContinuousClock.now
        // Expiries are added in (nearly) rising order, so the expired ones are at the front.
        while head < order.count, expiries.count >= capacity || (expiries[order[head]].map { $0 <= now } ?? true) {
            expiries[order[head]] = nil
            head += 1
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        if expiries.updateValue(expiry, forKey: id) == nil { order.append(id) }
    }
}
