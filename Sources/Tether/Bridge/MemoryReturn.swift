#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Gives freed memory back to the system once most pages have left. glibc keeps what a crowd
/// of pages freed in its per-thread arenas, so without this a kiosk's RSS after a busy hour
/// would stay near its peak. Checked once per sweep; trims only after a big drop.
final class MemoryReturn: Sendable {
    private let peak = Atomic<Int>(0)
    private let trim: @Sendable () -> Void
    /// Below this many pages at the peak, what could come back is not worth a trim.
    static let minimumPeak = 16

    init(trim: @escaping @Sendable () -> Void = MemoryReturn.mallocTrim) {
        self.trim = trim
    }

    /// Trims when the open pages have fallen to half of their peak since the last trim.
    func note(openSessions: Int) {
        let highest = max(peak.load(ordering: .relaxed), openSessions)
        if highest >= Self.minimumPeak && openSessions * 2 <= highest {
            trim()
            peak.store(openSessions, ordering: .relaxed)
        } else {
            peak.store(highest, ordering: .relaxed)
        }
    }

    /// glibc's `malloc_trim(0)`, looked up once: Swift's Glibc module does not import `malloc.h`.
    @Sendable static func mallocTrim() {
        _ = trimFunction?(0)
    }

    /// Whether this C library has `malloc_trim` (glibc does; musl does not).
    static var canTrim: Bool { trimFunction != nil }

    private static let trimFunction: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }  // nil handle: RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
}
