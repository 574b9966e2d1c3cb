/// The app behind one page: created once per page served, reachable from the page only
/// through the names it exposes.
///
///     final class Counter: App {
///         var count = 0
///         let page: Page
///         init(page: Page) { self.page = page }
///         func increment() { count += 1; page.js.dom.count.innerHTML = JS(count) }
///         static var exposed: Exposed<Counter> {
///             Exposed().method("increment") { $0.increment() }.property("count", \.count)
///         }
///     }
///
/// Tether runs the page's calls one at a time, and `main` (if the app has one) holds the same
/// lock except inside `page.sleep`, so an app's state needs no locking of its own.
public protocol App: AnyObject, SendableMetatype {
    /// Made when the page is served, on the thread serving it.
    init(page: Page)
    /// The methods and properties the page may reach. Read once per app type.
    static var exposed: Exposed<Self> { get }
    /// Called once when the page goes, holding the app's lock like a call; `main` (if any)
    /// ends on its own as the page closes. The default does nothing.
    func pageClosed(_ reason: PageCloseReason)
    /// Called for each error the page reports (a pushed statement that threw, the page's own
    /// uncaught error or unhandled rejection) and for an assignment JSON could not hold.
    /// Runs soon after, on another thread, holding the app's lock. The default does nothing;
    /// the server logs and counts them either way.
    func pageError(_ error: PageError)
}

extension App {
    public func pageClosed(_ reason: PageCloseReason) {}
    public func pageError(_ error: PageError) {}
}

/// An app with a per-page `main`, run on its own thread once the page is served.
/// It should return when `page.isOpen` turns false; `page.sleep` returns false then,
/// and `page.eval` throws `EvalError.pageClosed`.
///
///     func main(page: Page) throws {
///         while page.sleep(.milliseconds(100)) { page.js.dom.time.innerHTML = JS(elapsed) }
///     }
public protocol MainLoop: App {
    func main(page: Page) throws
}

/// The app of pages bound to no app: exposes nothing; Swift can still push to them.
public final class NoApp: App {
    public init(page: Page) {}
    public static var exposed: Exposed<NoApp> { Exposed() }
}
