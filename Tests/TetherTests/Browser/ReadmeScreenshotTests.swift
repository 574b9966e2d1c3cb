import Foundation
import XCTest
@testable import Tether
@testable import TetherDemos

/// The README's picture: the counter demo in headless Chromium after three real clicks.
/// `TETHER_WRITE_SCREENSHOT=1 swift test --filter ReadmeScreenshotTests` rewrites
/// `.readme/counter.png`; every run takes the picture and checks it.
final class ReadmeScreenshotTests: XCTestCase {
    func testCounterScreenshotAfterThreeClicks() throws {
        let harness = try BrowserHarness()
        defer { harness.close() }
        let known = Set(harness.server.pages.map(\.id))
        let browser = try Chromium(url: "http://127.0.0.1:\(harness.server.port)/index.html", devTools: true)
        defer { browser.kill() }
        let page = try XCTUnwrap(harness.waitForNewPage(excluding: known, timeout: 20))
        for _ in 0..<3 { page.run(page.js.dom.b1.click()) }
        page.run(page.js.dom.b3.click())
        XCTAssertTrue(try eventually { try page.text("count") == "3" && page.text("sum") == "224" })

        let png = try XCTUnwrap(browser.devTools).screenshotOfFirstPage()
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        // IHDR: width and height, big-endian, at bytes 16...23: the viewport of the 800×600 window.
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(width, 800)
        XCTAssertTrue((300...600).contains(height), "height \(height)")

        if ProcessInfo.processInfo.environment["TETHER_WRITE_SCREENSHOT"] == "1" {
            let url = TestPaths.packageRoot.appendingPathComponent(".readme/counter.png")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try png.write(to: url)
            print("wrote \(url.path) (\(png.count) bytes)")
        }
    }
}
