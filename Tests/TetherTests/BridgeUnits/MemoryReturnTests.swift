import Synchronization
import XCTest
@testable import TetherBridge

final class MemoryReturnTests: XCTestCase {
    func testTrimsOnlyAfterOpenPagesFallToHalfOfAPeakWorthTrimming() {
        let trims = Atomic<Int>(0)
        let memory = MemoryReturn { trims.add(1, ordering: .relaxed) }
        for open in [1, 5, 15, 7, 0] { memory.note(openSessions: open) }
        XCTAssertEqual(trims.load(ordering: .relaxed), 0, "a peak of 15 pages is not worth a trim")
        for open in [100, 80, 51] { memory.note(openSessions: open) }
        XCTAssertEqual(trims.load(ordering: .relaxed), 0, "not yet down to half")
        memory.note(openSessions: 50)
        XCTAssertEqual(trims.load(ordering: .relaxed), 1)
        memory.note(openSessions: 40)
        XCTAssertEqual(trims.load(ordering: .relaxed), 1, "the peak restarted at 50")
        memory.note(openSessions: 0)
        XCTAssertEqual(trims.load(ordering: .relaxed), 2)
    }

    func testGlibcTrimIsFoundAndRuns() {
        XCTAssertTrue(MemoryReturn.canTrim, "malloc_trim resolved through dlsym")
        MemoryReturn.mallocTrim()
    }
}
