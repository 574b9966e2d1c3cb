import Foundation
import XCTest

/// The README's page-API tables compile against the built library, example by example.
final class ReadmePageAPITests: XCTestCase {
    /// The code in a column of the table after `marker`: the first `code` span of each row.
    private func examples(after marker: String, column: Int) throws -> [String] {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: marker + "\n"))
        let rows = readme[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { $0.hasPrefix("|") }.dropFirst(2)
        return try rows.map { row in
            let cells = row.split(separator: "|", omittingEmptySubsequences: false)
            let cell = try XCTUnwrap(cells.count > column ? cells[column] : nil, String(row))
            let parts = cell.split(separator: "`", omittingEmptySubsequences: false)
            return try XCTUnwrap(parts.count >= 3 ? String(parts[1]) : nil, "no code in: \(row)")
        }
    }

    private func assertTypeChecks(_ source: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try SwiftTypeCheck.run(source)
        XCTAssertEqual(result.status, 0, source + "\n" + result.output, file: file, line: line)
    }

    func testPageAPITableCompiles() throws {
        let examples = try examples(after: "<!-- page-api -->", column: 3)
        XCTAssertGreaterThanOrEqual(examples.count, 15)
        let members = examples.filter { $0.hasPrefix("func ") }
        let statements = examples.filter { !$0.hasPrefix("func ") }
        try assertTypeChecks("""
            import Tether
            struct Reading: Encodable, Sendable { var celsius: Double }
            final class Example: App {
                init(page: Page) {}
                static var exposed: Exposed<Example> { Exposed() }
            \(members.joined(separator: "\n"))
            }
            func example(page: Page, server: Server, reading: Reading) throws {
            \(statements.joined(separator: "\n"))
            }
            """)
    }

    func testTestingTableCompiles() throws {
        let examples = try examples(after: "<!-- testing-api -->", column: 2)
        XCTAssertEqual(examples.count, 4)
        try assertTypeChecks("""
            import Tether
            import TetherTesting
            final class Kiosk: App {
                init(page: Page) {}
                static var exposed: Exposed<Kiosk> { Exposed() }
            }
            func example(page: TestPage<Kiosk>) throws {
            \(examples.joined(separator: "\n"))
            }
            """)
    }

    func testTheAppExampleCompiles() throws {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "## An app\n\n<!-- readme-app: Sources/counter/main.swift -->\n```swift\n"))
        let end = try XCTUnwrap(readme.range(of: "\n```", range: section.upperBound..<readme.endIndex))
        try assertTypeChecks(String(readme[section.upperBound..<end.lowerBound]))
    }
}
