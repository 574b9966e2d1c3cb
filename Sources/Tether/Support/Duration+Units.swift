import Dispatch

// Conversions work in Int128 and clamp, so no duration an app passes (`.seconds(.max)` for
// "wait for ever") can trap.
extension Duration {
    /// The same span for Dispatch's waits.
    package var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(clamping: Int128(seconds) * 1_000_000_000 + Int128(attoseconds / 1_000_000_000)))
    }

    /// Whole microseconds, for logs.
    package var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return Int64(clamping: Int128(seconds) * 1_000_000 + Int128(attoseconds / 1_000_000_000_000))
    }

    /// Seconds as a Double, for logs and JSON.
    package var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole milliseconds, rounded up, never negative; what `poll(2)` takes.
    package var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        return Int32(clamping: Int128(seconds) * 1000 + Int128((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }

    /// Whole nanoseconds, clamped at 0 and at `UInt64.max`.
    package var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole &+ UInt64(max(attoseconds, 0) / 1_000_000_000)
    }
}
