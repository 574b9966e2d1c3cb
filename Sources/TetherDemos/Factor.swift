import Tether

/// The article's `factor`/`adjust` example: `www/factor.html` defines `var factor = 1.3` and
/// `function adjust(value)`; Swift reads both with `eval` and then writes new values.
public final class Factor: App {
    private let page: Page

    public init(page: Page) { self.page = page }

    /// Reads from the page while the call runs (the poll path does not wait for the app).
    func demo(_ value: Double) throws -> String {
        let js = page.js
        let result = try page.eval(js.adjust(value), as: Double.self)
        let factor = try page.eval(js.factor, as: Double.self)
        js.factor = 2.3
        js.data = ["a": 15.4, "b": 12.7, "c": [5, 4, 6]]
        return "Factor is \(factor), 2 x result is \(2 * result)"
    }

    public static var exposed: Exposed<Factor> {
        Exposed().method("demo") { (app, value: Double) in try app.demo(value) }
    }
}
