import Tether

/// The counter from jyserver's article: `www/index.html`.
///
/// No input traps: a trap would end the whole daemon. The count stays within what the page's
/// numbers hold exactly, a set outside it is refused (400), and `increment` checks its sum.
public final class Counter: App {
    /// The largest whole number a JavaScript number holds exactly (2^53 - 1).
    public static let largest = 9_007_199_254_740_991

    /// Exposed and settable: the page's reset button does `server.count = 0`.
    public var count = 0 {
        didSet { page.js.dom.count.innerHTML = count }
    }
    private let page: Page

    public init(page: Page) { self.page = page }

    func increment() throws {
        let (next, overflow) = count.addingReportingOverflow(1)
        guard !overflow, next <= Self.largest else { throw InvalidInput("the count is at its largest (\(count))") }
        count = next
    }

    func setCount(_ value: Int) throws {
        guard (-Self.largest...Self.largest).contains(value) else {
            throw InvalidInput("count must be within ±\(Self.largest), got \(value)")
        }
        count = value
    }

    /// `getresult(1e308, 1e308)` would be infinity, which JSON cannot carry back.
    static func sum(_ a: Double, _ b: Double) throws -> Double {
        let sum = a + b
        guard sum.isFinite else { throw InvalidInput("\(a) + \(b) is out of range") }
        return sum
    }

    public static var exposed: Exposed<Counter> {
        Exposed()
            .method("increment") { try $0.increment() }
            .method("getresult") { (_, a: Double, b: Double) in try sum(a, b) }
            .property("count", get: { $0.count }, set: { try $0.setCount($1) })
    }
}
