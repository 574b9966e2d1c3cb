import Foundation
import XCTest

/// The layers are what Package.swift says: each target declares exactly the package modules
/// its sources import, the README's table lists them so, and the System layer compiles
/// against the public API of the layers below it.
final class LayerTests: XCTestCase {
    private let root = TestPaths.packageRoot

    private func declaredTargets() throws -> [DeclaredTarget] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let targets = try DeclaredTarget.all(in: manifest)
        for expected in ["TetherSupport", "TetherHTTP", "TetherSystem", "tetherd", "tether-bench", "TetherTests"] {
            XCTAssertTrue(targets.contains { $0.name == expected }, "Package.swift was read without a target \(expected)")
        }
        return targets
    }

    func testEveryTargetDeclaresExactlyThePackageModulesItImports() throws {
        let targets = try declaredTargets()
        let modules = Set(targets.filter { $0.kind != .testTarget && $0.kind != .plugin }.map(\.name))
        // A plugin's dependencies are the tools it runs, not modules it imports.
        for target in targets where target.kind != .plugin && target.kind != .systemLibrary {
            let imported = try target.importedModules(root: root, among: modules)
            XCTAssertEqual(imported, Set(target.dependencies),
                           "\(target.name) imports \(imported.sorted()) but Package.swift declares \(target.dependencies.sorted())")
        }
    }

    func testTheReadmeLayerTableListsEveryTargetWithItsFolderAndDependencies() throws {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = try LayerTable.rows(in: readme)
        let targets = try declaredTargets().filter { $0.kind != .testTarget }
        XCTAssertEqual(rows.map(\.target).sorted(), targets.map(\.name).sorted(), "the table's targets")
        for target in targets {
            guard let row = rows.first(where: { $0.target == target.name }) else { continue }
            XCTAssertEqual(row.folder, target.path, "\(target.name)'s folder")
            XCTAssertEqual(row.dependencies.sorted(), target.dependencies.sorted(), "\(target.name)'s dependencies")
        }
    }

    /// Helpers on the standard library's types (`Duration.secondsValue`) are `package` at most:
    /// a public one would show in every app that imports Tether. Conformances (`String:
    /// JSConvertible`) are API and are left alone.
    func testNoLayerAddsPublicMembersToStandardLibraryTypes() throws {
        let standard = ["Duration", "String", "Substring", "Character", "Bool", "Int", "Int32", "Int64", "UInt8",
                        "UInt64", "Double", "Array", "Dictionary", "Optional", "Sequence", "Collection"]
        let opening = try NSRegularExpression(
            pattern: #"^(public |package )?extension (\#(standard.joined(separator: "|")))( where [^{]*)? \{$"#)
        var offenders: [String] = []
        for file in try DeclaredTarget.swiftFiles(under: root.appendingPathComponent("Sources")) {
            let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            var inside: String?
            for line in lines {
                if let open = opening.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) {
                    inside = (line as NSString).substring(with: open.range(at: 2))
                    if line.hasPrefix("public ") { offenders.append("\(file.lastPathComponent): \(line)") }
                } else if line == "}" {
                    inside = nil
                } else if let type = inside, line.hasPrefix("    public ") {
                    offenders.append("\(file.lastPathComponent): extension \(type) { \(line.trimmingCharacters(in: .whitespaces)) }")
                }
            }
        }
        XCTAssertEqual(offenders, [], "public members on standard library types")
    }

    /// The daemon layer is a client of `Tether` like an app author's own daemon would be: its
    /// sources type-check with the layers below seen from outside the package (no `package`
    /// or internal declarations), and only TetherSupport's shared helpers seen from inside.
    func testTheSystemLayerCompilesAgainstThePublicAPIOfTheLayersBelow() throws {
        let scratch = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A package name of its own hides the built modules' `package` declarations; a
        // TetherSupport built under that name keeps its helpers visible, as they are to every layer.
        let packageName = "tether-system-layer-check"
        let support = try DeclaredTarget.swiftFiles(under: root.appendingPathComponent("Sources/Tether/Support")).map(\.path)
        let emitted = try SwiftTypeCheck.swiftc(
            ["-emit-module", "-parse-as-library", "-module-name", "TetherSupport", "-package-name", packageName,
             "-emit-module-path", scratch.appendingPathComponent("TetherSupport.swiftmodule").path] + support)
        XCTAssertEqual(emitted.status, 0, emitted.output)
        let system = try DeclaredTarget.swiftFiles(under: root.appendingPathComponent("Sources/Tether/System")).map(\.path)
        XCTAssertGreaterThan(system.count, 5)
        let checked = try SwiftTypeCheck.swiftc(
            ["-typecheck", "-module-name", "TetherSystem", "-package-name", packageName, "-I", scratch.path] + system)
        XCTAssertEqual(checked.status, 0, checked.output)
    }
}

/// The README's "Layers" table: `| target | folder | depends on | what |`.
enum LayerTable {
    struct Row {
        let target: String
        let folder: String
        let dependencies: [String]
    }

    struct Missing: Error, CustomStringConvertible { let description: String }

    static func rows(in readme: String) throws -> [Row] {
        guard let section = readme.components(separatedBy: "\n## Layers\n").dropFirst().first?
            .components(separatedBy: "\n## ").first else {
            throw Missing(description: "README has no \"## Layers\" section")
        }
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line -> Row in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            func names(_ cell: String) -> [String] {
                cell.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { $0.hasPrefix("`") }.map { String($0.dropFirst().dropLast()) }
            }
            func cell(_ index: Int) -> String { index < cells.count ? cells[index] : "" }
            return Row(target: names(cell(0)).first ?? "", folder: names(cell(1)).first ?? "", dependencies: names(cell(2)))
        }
        guard !rows.isEmpty else { throw Missing(description: "README's Layers section has no table rows") }
        return rows
    }
}
