import TetherSupport

/// Connections refused or reclaimed at a limit, logged as one line per interval instead of a
/// line each: the first event is logged at once, the rest are counted and summed up.
struct LimitLog {
    var refusedAtCap = 0
    var reclaimed = 0
    var refusedNoDescriptors = 0
    private var intervalEnds: ContinuousClock.Instant?

    var nextDue: ContinuousClock.Instant? { hasCounts ? intervalEnds : nil }
    private var hasCounts: Bool { refusedAtCap + reclaimed + refusedNoDescriptors > 0 }

    /// True when nothing was logged in this interval: log this event in full now.
    mutating func startsInterval(now: ContinuousClock.Instant, interval: Duration) -> Bool {
        if let intervalEnds, now < intervalEnds { return false }
        intervalEnds = now + interval
        return true
    }

    /// The summary line when the interval is over and something was counted.
    mutating func summary(now: ContinuousClock.Instant, interval: Duration, cap: Int) -> String? {
        guard hasCounts, let ends = intervalEnds, now >= ends else { return nil }
        var parts: [String] = []
        if reclaimed > 0 { parts.append("closed \(reclaimed) idle keep-alive connection(s) to admit new ones") }
        if refusedAtCap > 0 { parts.append("refused \(refusedAtCap) with 503 (all \(cap) connections busy)") }
        if refusedNoDescriptors > 0 { parts.append("refused \(refusedNoDescriptors) with 503 (out of file descriptors)") }
        refusedAtCap = 0
        reclaimed = 0
        refusedNoDescriptors = 0
        intervalEnds = now + interval
        return "connection limits in the last \(Int(interval.secondsValue.rounded())) s: " + parts.joined(separator: "; ")
    }
}
