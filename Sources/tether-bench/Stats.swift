/// Median, p99 and max of a set of samples, by nearest rank on the sorted values.
struct Summary: Sendable {
    let count: Int
    let median: Double
    let p99: Double
    let max: Double

    /// Nil for no samples.
    init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        median = Self.rank(50, sorted)
        p99 = Self.rank(99, sorted)
        max = sorted[sorted.count - 1]
    }

    init?(nanos samples: [Int64], per unit: Double) {
        self.init(samples.map { Double($0) / unit })
    }

    /// Nearest rank: the smallest value with at least `percent` % of the samples at or below it.
    static func rank(_ percent: Double, _ sorted: [Double]) -> Double {
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
    }
}

/// Samples that one thread records; preallocated so that recording does not allocate.
struct SampleBuffer {
    private(set) var values: [Int64] = []
    let limit: Int

    init(expected: Int, limit: Int = 4_000_000) {
        self.limit = limit
        values.reserveCapacity(Swift.min(expected, limit))
    }

    mutating func record(_ value: Int64) {
        if values.count < limit { values.append(value) }
    }
}
