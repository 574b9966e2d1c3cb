import Tether

/// The stopwatch from jyserver's article: `www/clock.html`. Its `main` shows the time every
/// 0.1 s; Pause swaps the button's text and its `onclick` callback, Restart swaps them back.
public final class Stopwatch: App, MainLoop {
    private let page: Page
    private var startedAt = ContinuousClock.now
    /// Time counted before the current run; the clock does not advance while paused.
    private var banked: Duration = .zero
    public private(set) var isRunning = true

    public init(page: Page) { self.page = page }

    public var elapsed: Duration { banked + (isRunning ? ContinuousClock.now - startedAt : .zero) }

    func reset() {
        banked = .zero
        startedAt = .now
        page.js.dom.time.innerHTML = Self.format(.zero)
    }

    func stop() {
        guard isRunning else { return }
        banked += ContinuousClock.now - startedAt
        isRunning = false
        page.js.dom.b2.innerHTML = "Restart"
        page.js.dom.b2.onclick = page.callback("restart")
    }

    func restart() {
        guard !isRunning else { return }
        startedAt = .now
        isRunning = true
        page.js.dom.b2.innerHTML = "Pause"
        page.js.dom.b2.onclick = page.callback("stop")
    }

    public func main(page: Page) {
        startedAt = .now
        while page.sleep(.milliseconds(100)) {
            if isRunning { page.js.dom.time.innerHTML = Self.format(elapsed) }
        }
    }

    /// Seconds with one decimal, `12.3`.
    static func format(_ duration: Duration) -> String {
        let tenths = Int(duration.components.seconds) * 10 + Int(duration.components.attoseconds / 100_000_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10)"
    }

    public static var exposed: Exposed<Stopwatch> {
        Exposed()
            .method("reset") { $0.reset() }
            .method("stop") { $0.stop() }
            .method("restart") { $0.restart() }
    }
}
