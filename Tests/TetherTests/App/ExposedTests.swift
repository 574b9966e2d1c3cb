import XCTest
import Tether
import TetherTesting

/// What `Exposed` lets a page reach, and how arguments and results cross.
final class ExposedTests: XCTestCase {
    struct Point: Codable, Equatable, Sendable { var x: Double, y: Double }
    struct Reading: Encodable, Sendable { var room: String, celsius: Double, history: [Double] }
    struct Refusal: Error, CustomStringConvertible { var description: String { "volume must be 0...11" } }

    final class Gadget: App {
        var volume = 3
        let serial = "T-1"
        private var secret = "hidden"
        init(page: Page) {}

        static var exposed: Exposed<Gadget> {
            Exposed()
                .method("mid") { (_, a: Point, b: Point) in Point(x: (a.x + b.x) / 2, y: (a.y + b.y) / 2) }
                .method("join") { (_, a: String, b: Int, c: Bool, d: [Int]) in "\(a)-\(b)-\(c)-\(d.count)" }
                .method("explode") { (_: Gadget) throws -> Int in throw Refusal() }
                .method("refuse") { (_: Gadget, n: Int) throws -> Int in throw InvalidInput("\(n) is not allowed") }
                .method("reading") { _ in Reading(room: "<kitchen>", celsius: 20.5, history: [19, 20.25]) }
                .method("broken") { _ in Reading(room: "attic", celsius: .infinity, history: []) }
                .property("serial", \.serial)
                .property("volume", get: { $0.volume }, set: { app, value in
                    guard (0...11).contains(value) else { throw Refusal() }
                    app.volume = value
                })
        }
    }

    func testStructArgumentsAndResultsCrossAsJSON() throws {
        let page = try TestPage(Gadget.self)
        XCTAssertEqual(try page.call("mid", Point(x: 0, y: 0), Point(x: 2, y: 4), as: Point.self), Point(x: 1, y: 2))
        XCTAssertEqual(try page.call("join", "a", 7, true, [1, 2, 3], as: String.self), "a-7-true-3")
    }

    func testArgumentCountAndTypesAreChecked() throws {
        let page = try TestPage(Gadget.self)
        XCTAssertThrowsError(try page.call("join", "a", 7, true)) { error in
            XCTAssertEqual(error as? EndpointError, .badArguments("join takes 4 arguments, got 3"))
        }
        XCTAssertThrowsError(try page.call("join", "a", "seven", true, [1])) { error in
            guard case .badArguments(let message)? = error as? EndpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("argument 2 of join: expected Int"), message)
        }
    }

    func testHandlerErrorBecomesFailedWithItsDescription() throws {
        let page = try TestPage(Gadget.self)
        XCTAssertThrowsError(try page.call("explode")) { XCTAssertEqual($0 as? EndpointError, .failed("volume must be 0...11")) }
    }

    func testReadOnlyAndValidatedProperties() throws {
        let page = try TestPage(Gadget.self)
        XCTAssertEqual(try page.get("serial", as: String.self), "T-1")
        XCTAssertThrowsError(try page.set("serial", "X")) { XCTAssertEqual($0 as? EndpointError, .readOnlyProperty("serial")) }
        try page.set("volume", 11)
        XCTAssertThrowsError(try page.set("volume", 12)) { XCTAssertEqual($0 as? EndpointError, .failed("volume must be 0...11")) }
        XCTAssertEqual(try page.get("volume", as: Int.self), 11)
        XCTAssertThrowsError(try page.get("secret", as: String.self)) { XCTAssertEqual($0 as? EndpointError, .unknownProperty("secret")) }
        XCTAssertEqual(page.exposedNames, ExposedNames(methods: ["mid", "join", "explode", "refuse", "reading", "broken"], properties: ["serial", "volume"], settable: ["volume"]))
    }

    func testEncodableResultHasSortedKeys() throws {
        let page = try TestPage(Gadget.self)
        XCTAssertEqual(try page.call("reading"), JSONValue.object([
            "room": .string("<kitchen>"), "celsius": .number("20.5"), "history": .array([.number("19"), .number("20.25")]),
        ]))
        XCTAssertThrowsError(try page.call("broken")) { error in
            guard case .failed(let message)? = error as? EndpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("broken: cannot encode the result as JSON"), message)
        }
    }

    func testInvalidInputIsBadArguments() throws {
        let page = try TestPage(Gadget.self)
        XCTAssertThrowsError(try page.call("refuse", 3)) { XCTAssertEqual($0 as? EndpointError, .badArguments("3 is not allowed")) }
    }
}
