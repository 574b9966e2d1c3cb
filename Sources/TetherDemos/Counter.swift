import Tether

/// The counter from jyserver's article: `www/index.html`.
public final class Counter: App {
    /// Exposed and settable: the page's reset button does `server.count = 0`.
    public var count = 0 {
        didSet { page.js.dom.count.innerHTML = count }
    }
    private let page: Page

    public init(page: Page) { self.page = page }

    func increment() { count += 1 }

    public static var exposed: Exposed<Counter> {
        Exposed()
            .method("increment") { $0.increment() }
            .method("getresult") { (_, a: Double, b: Double) in a + b }
            .property("count", \.count)
    }
}
