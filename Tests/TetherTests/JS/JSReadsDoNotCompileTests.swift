import Foundation
import XCTest

/// A JavaScript value is read only with `page.eval`: any other read must not compile. These
/// tests type-check small snippets against the built modules with the toolchain's swiftc.
final class JSReadsDoNotCompileTests: XCTestCase {
    static let readDiagnostic = "is unavailable: a JavaScript value is read with page.eval"

    func testWritesTypeCheck() throws {
        // The control: the same setup and every write form compile, so a failure below is the read.
        let result = try SwiftTypeCheck.run(Self.preamble + """
            js.factor = 2.3
            js.factor = factor
            js.reading = reading
            js.arr[0] = factor
            js.obj["k"] = reading
            js.dom.description.x = 1
            let shown: String = String(describing: js.dom.count)
            let called = try js.show(reading, 1)
            _ = (shown, called)
            }
            """)
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testReadingIntoASwiftValueDoesNotCompile() throws {
        let result = try SwiftTypeCheck.run(Self.preamble + """
            let a: Double = js.factor
            let b: Int = js.arr[0]
            let c: String = js.obj["key"]
            let d: Reading = js.reading
            _ = (a, b, c, d)
            }
            """)
        XCTAssertNotEqual(result.status, 0)
        // One error per read line (lines 4 to 7 of the snippet), each saying to use page.eval.
        XCTAssertEqual(result.errorLines.count, 4, result.output)
        for (line, number) in zip(result.errorLines, 4...) {
            XCTAssertTrue(line.contains("snippet.swift:\(number):"), String(line))
            XCTAssertTrue(line.contains(Self.readDiagnostic), String(line))
        }
    }

    static let preamble = """
        import Tether
        struct Reading: Encodable, Sendable { var celsius: Double }
        func snippet(js: JS, factor: Double, reading: Reading) throws {

        """
}
