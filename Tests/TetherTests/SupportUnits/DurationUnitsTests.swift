import TetherSupport
import XCTest

/// `Duration` in the units poll(2), Dispatch, logs and the watchdog take.
final class DurationUnitsTests: XCTestCase {
    func testPollMillisecondsRoundUpAndNeverGoNegative() {
        XCTAssertEqual(Duration.nanoseconds(1).pollMilliseconds, 1, "a wait shorter than 1 ms must not become a busy poll")
        XCTAssertEqual(Duration.milliseconds(20).pollMilliseconds, 20)
        XCTAssertEqual(Duration.seconds(-3).pollMilliseconds, 0)
        XCTAssertEqual(Duration.seconds(Int64.max / 2).pollMilliseconds, Int32.max)
    }

    func testClampedNanosecondsStopAtZeroAndAtTheTop() {
        XCTAssertEqual(Duration.milliseconds(1500).clampedNanoseconds, 1_500_000_000)
        XCTAssertEqual(Duration.seconds(-1).clampedNanoseconds, 0)
        XCTAssertEqual(Duration.seconds(Int64.max).clampedNanoseconds, .max)
    }

    func testSecondsAndMicroseconds() {
        XCTAssertEqual(Duration.milliseconds(2500).secondsValue, 2.5)
        XCTAssertEqual(Duration.milliseconds(2500).microseconds, 2_500_000)
        XCTAssertEqual(Duration.nanoseconds(999).microseconds, 0)
        XCTAssertEqual(Duration.seconds(Int64.max).microseconds, .max)
    }

    /// `page.eval(…, timeout: .seconds(.max))` means "wait for ever", not a trap.
    func testDispatchIntervalClampsInsteadOfTrapping() {
        XCTAssertEqual(Duration.milliseconds(1500).dispatchInterval, .nanoseconds(1_500_000_000))
        XCTAssertEqual(Duration.seconds(Int64.max).dispatchInterval, .nanoseconds(.max))
        XCTAssertEqual(Duration.seconds(Int64.min).dispatchInterval, .nanoseconds(.min))
    }
}
