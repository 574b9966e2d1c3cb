import Foundation
import XCTest
@testable import TetherBridge

/// The README's "The page script" blocks say what a page really gets and holds.
final class ReadmePageScriptTests: XCTestCase {
    private func block(after marker: String) throws -> [String] {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: marker + "\n```html\n"), "no \(marker) in the README")
        let end = try XCTUnwrap(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        return readme[start.upperBound..<end.lowerBound].split(separator: "\n").map(String.init)
    }

    func testTheTagsShownAreTheTagsInjected() throws {
        let shown = try block(after: "<!-- page-script-tags -->")
        let real = ScriptInjection.scriptTag(session: "s", names: ExposedNames(methods: ["increment"])).split(separator: "\n").map(String.init)
        XCTAssertEqual(shown.count, real.count)
        for (line, actual) in zip(shown, real) {
            // The README elides with "…"; every piece between is in the real tag, in order.
            var rest = Substring(actual)
            for piece in line.components(separatedBy: "…") where !piece.isEmpty {
                let found = try XCTUnwrap(rest.range(of: piece), "\(piece) not in \(actual)")
                rest = rest[found.upperBound...]
            }
            XCTAssertTrue(actual.hasPrefix(line.components(separatedBy: "…")[0]), actual)
            XCTAssertTrue(actual.hasSuffix(line.components(separatedBy: "…").last ?? ""), actual)
        }
    }

    func testTheStrictPageShownIsAnExcerptOfWwwStrictHTML() throws {
        let shown = try block(after: "<!-- strict-page: www/strict.html -->")
        let file = try String(contentsOfFile: TestPaths.www + "/strict.html", encoding: .utf8)
        var lines = file.split(separator: "\n").map(String.init)[...]
        for line in shown {
            let index = try XCTUnwrap(lines.firstIndex(of: line), "README line not in www/strict.html (in order): \(line)")
            lines = lines[(index + 1)...]
        }
    }
}
