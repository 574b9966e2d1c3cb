import Foundation
import Synchronization
import XCTest
@testable import Tether
@testable import TetherDemos

/// Page loads cannot lock out pages: loads hold no session, and at the session limit the
/// page silent longest gives way, never one holding a live poll. Each attack ends with a
/// real page in Chromium that must work.
final class SessionSlotTests: XCTestCase {
    /// What Chrome sends for `<img src="http://127.0.0.1:PORT/">` on another site.
    static let crossSiteImageHeaders = [
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Accept": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "no-cors",
        "Sec-Fetch-Dest": "image",
        "Referer": "https://evil.example/",
        "Accept-Language": "en-US,en;q=0.9",
    ]

    func testFifteenHundredCrossSiteLoadsLeaveTheKioskReloadWorkingWithinASecond() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let (_, kiosk) = try harness.open("/index.html")
        let port = harness.server.port

        let loaded = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            guard let connection = try? RawConnection(port: port) else { return }
            for _ in 0..<375 {
                if connection.request("GET", "/", headers: Self.crossSiteImageHeaders, timeout: 5)?.status == 200 {
                    loaded.add(1, ordering: .relaxed)
                }
            }
        }
        XCTAssertEqual(loaded.load(ordering: .relaxed), 1500, "every load was served")
        XCTAssertEqual(harness.server.bridge?.registry.count, 1, "the loads hold no session; the kiosk's is the only one")
        XCTAssertTrue(kiosk.isOpen)

        // The kiosk reloads (as after SIGHUP or a crash) and must work at once.
        let reloaded = Date()
        kiosk.run(kiosk.js.location.reload())
        let page = try XCTUnwrap(harness.waitForNewPage(excluding: [kiosk.id], timeout: 10), "the reloaded page never opened")
        XCTAssertEqual(try page.eval(page.js.document.title, as: String.self), "Tether counter")
        let took = Date().timeIntervalSince(reloaded)
        print("kiosk reload after 1500 cross-site loads: working after \(Int(took * 1000)) ms")
        XCTAssertLessThan(took, 1.0, "the reloaded page works within a second")
        page.run(page.js.dom.b1.click())
        XCTAssertTrue(try eventually { try page.text("count") == "1" })
    }

    func testAClientKeeping1100SessionsAliveDoesNotStopANewRealPage() throws {
        // The real page is the counter too, told apart from the client's pages by its query.
        let harness = try BrowserHarness { configuration in
            configuration.bridge.pollHold = .milliseconds(300)
        }
        defer { harness.close() }
        let port = harness.server.port
        let limit = harness.server.configuration.bridge.maxSessions
        // Each session is heard every 2 s: ten times as often as the attack (every 20 s),
        // and over the limit, so the client's sessions keep displacing each other.
        let hog = SessionHog(port: port, sessions: 1100, connections: 8, cycleSeconds: 2)
        defer { hog.stop() }
        hog.start()
        XCTAssertTrue(eventually(timeout: 60) { hog.cycles.load(ordering: .relaxed) >= 2 }, "the client cycles its sessions")
        XCTAssertEqual(harness.server.bridge?.registry.count, limit, "the client keeps the table full")

        let browser = try Chromium(url: "http://127.0.0.1:\(port)/index.html?real=1")
        defer { browser.kill() }
        var found: Page?
        XCTAssertTrue(eventually(timeout: 20) {
            found = harness.server.pages.first { $0.request.query("real") != nil }
            return found != nil
        }, "the real page opened its session")
        let page = try XCTUnwrap(found)
        XCTAssertEqual(try page.eval(page.js.document.title, as: String.self), "Tether counter")
        for round in 1...5 {
            page.run(page.js.dom.b1.click())
            XCTAssertTrue(try eventually { try page.text("count") == "\(round)" }, "click \(round) while the client churns")
            usleep(300_000)
        }
        XCTAssertTrue(page.isOpen, "the real page never gave way: it is never the one silent longest")
        XCTAssertEqual(page.withApp(as: Counter.self) { $0.count }, 5)
        XCTAssertGreaterThan(hog.displaced.load(ordering: .relaxed), 0, "the client's own sessions gave way to each other")
        XCTAssertLessThanOrEqual(harness.server.bridge?.registry.count ?? .max, limit)
        hog.stop()
        XCTAssertEqual(hog.errors.load(ordering: .relaxed), 0, "every answer was 200 or 410: \(hog.unexpected.withLock { $0 })")
    }
}

/// A local client that keeps many sessions alive, each with a call and a poll per cycle of at
/// least `cycleSeconds`, reloading (a new token) whenever one of its sessions gave way.
final class SessionHog: @unchecked Sendable {
    // `@unchecked`: the configuration is immutable; counters are atomics.
    let port: Int
    let sessions: Int
    let connections: Int
    let cycleSeconds: Double
    let cycles = Atomic<Int>(0)
    let displaced = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    /// What the unexpected answers were (status, or 0 for none), for the failure message.
    let unexpected = Mutex<[Int]>([])
    private let stopping = Atomic<Bool>(false)
    private let running = DispatchGroup()

    init(port: Int, sessions: Int, connections: Int, cycleSeconds: Double) {
        self.port = port
        self.sessions = sessions
        self.connections = connections
        self.cycleSeconds = cycleSeconds
    }

    func start() {
        for worker in 0..<connections {
            running.enter()
            Thread.detachNewThread { [self] in
                run(count: sessions / connections + (worker < sessions % connections ? 1 : 0), first: worker == 0)
                running.leave()
            }
        }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        _ = running.wait(timeout: .now() + 30)
    }

    private func run(count: Int, first: Bool) {
        guard var connection = try? RawConnection(port: port) else {
            errors.add(1, ordering: .relaxed)
            return
        }
        var tokens: [String?] = Array(repeating: nil, count: count)
        var acks = Array(repeating: 0, count: count)
        while !stopping.load(ordering: .relaxed) {
            let cycleStarted = Date()
            for index in 0..<count where !stopping.load(ordering: .relaxed) {
                if tokens[index] == nil {
                    guard let page = connection.request("GET", "/", timeout: 5), let token = page.headers["x-tether-session"] else {
                        errors.add(1, ordering: .relaxed)
                        if let fresh = try? RawConnection(port: port) { connection = fresh }
                        continue
                    }
                    tokens[index] = token
                    acks[index] = 0
                }
                guard let token = tokens[index] else { continue }
                let call = "{\"session\":\"\(token)\",\"task\":\"call\",\"function\":\"increment\",\"args\":[]}"
                let next = "{\"session\":\"\(token)\",\"task\":\"next\",\"ack\":\(acks[index])}"
                for body in [call, next] {
                    guard let response = connection.post("/_process_srv0", json: body, timeout: 5) else {
                        errors.add(1, ordering: .relaxed)
                        unexpected.withLock { $0.append(0) }
                        if let fresh = try? RawConnection(port: port) { connection = fresh }
                        break
                    }
                    if response.status == 410 {
                        displaced.add(1, ordering: .relaxed)
                        tokens[index] = nil
                        break
                    }
                    if response.status != 200 {
                        errors.add(1, ordering: .relaxed)
                        unexpected.withLock { $0.append(response.status) }
                    }
                    if body == next, case .array(let commands)? = (try? JSONParser.parse(response.body))?["commands"] {
                        acks[index] = commands.compactMap { $0["seq"]?.intValue }.max() ?? acks[index]
                    }
                }
            }
            if first { cycles.add(1, ordering: .relaxed) }
            while !stopping.load(ordering: .relaxed) && Date().timeIntervalSince(cycleStarted) < cycleSeconds { usleep(20_000) }
        }
    }
}
