import Foundation

/// A target as Package.swift declares it, read from the manifest's text (so the bench's,
/// which only `TETHER_BENCH` declares, counts too).
struct DeclaredTarget: Equatable {
    enum Kind: String, CaseIterable {
        case target, executableTarget, testTarget, systemLibrary, plugin
    }

    let kind: Kind
    let name: String
    let dependencies: [String]
    /// Its sources folder, relative to the package root.
    let path: String

    struct ParseError: Error, CustomStringConvertible { let description: String }

    /// Every `.target(…)`, `.executableTarget(…)`, … call in `manifest`; product declarations
    /// (`.plugin(name:targets:)`) are left out.
    static func all(in manifest: String) throws(ParseError) -> [DeclaredTarget] {
        let kinds = Kind.allCases.map(\.rawValue).joined(separator: "|")
        let call = try! NSRegularExpression(pattern: #"\.("# + kinds + #")\("#)
        let text = manifest as NSString
        var found: [DeclaredTarget] = []
        for match in call.matches(in: manifest, range: NSRange(location: 0, length: text.length)) {
            guard let kind = Kind(rawValue: text.substring(with: match.range(at: 1))) else { continue }
            let arguments = try argumentText(of: manifest, from: match.range.location + match.range.length)
            if arguments.contains("targets:") { continue }
            guard let name = firstCapture(#"name:\s*"([^"]+)""#, in: arguments) else {
                throw ParseError(description: "a .\(kind.rawValue)( without a name: \(arguments)")
            }
            var dependencies: [String] = []
            if let list = firstCapture(#"dependencies:\s*\[([^\]]*)\]"#, in: arguments) {
                dependencies = allCaptures(#""([^"]+)""#, in: list)
                let rest = list.replacingOccurrences(of: #""[^"]*""#, with: "", options: .regularExpression)
                guard rest.allSatisfy({ $0 == "," || $0.isWhitespace }) else {
                    throw ParseError(description: "\(name)'s dependencies are not a list of target names: [\(list)]")
                }
            }
            let folder = kind == .testTarget ? "Tests" : "Sources"
            let path = firstCapture(#"path:\s*"([^"]+)""#, in: arguments) ?? "\(folder)/\(name)"
            found.append(DeclaredTarget(kind: kind, name: name, dependencies: dependencies, path: path))
        }
        return found
    }

    /// The package modules this target's Swift files import (`import X`, `@testable import X`
    /// at the start of a line; an indented one is inside a string, such as a README block).
    func importedModules(root: URL, among modules: Set<String>) throws -> Set<String> {
        let statement = try! NSRegularExpression(
            pattern: #"^(?:@\w+ |public |package |internal )*import (?:[a-z]+ )?([A-Za-z_][A-Za-z0-9_]*)"#,
            options: .anchorsMatchLines)
        var imported: Set<String> = []
        for file in try Self.swiftFiles(under: root.appendingPathComponent(path)) {
            let source = try String(contentsOf: file, encoding: .utf8)
            let text = source as NSString
            for match in statement.matches(in: source, range: NSRange(location: 0, length: text.length)) {
                let module = text.substring(with: match.range(at: 1))
                if modules.contains(module) { imported.insert(module) }
            }
        }
        return imported
    }

    static func swiftFiles(under folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            throw ParseError(description: "no folder \(folder.path)")
        }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    /// The text between `(` (just before `start`) and its matching `)`.
    private static func argumentText(of text: String, from start: Int) throws(ParseError) -> String {
        let utf16 = Array(text.utf16)
        var depth = 1
        var inString = false
        var index = start
        while index < utf16.count {
            switch utf16[index] {
            case UInt16(UInt8(ascii: "\"")): inString.toggle()
            case UInt16(UInt8(ascii: "(")) where !inString: depth += 1
            case UInt16(UInt8(ascii: ")")) where !inString:
                depth -= 1
                if depth == 0 { return String(decoding: utf16[start..<index], as: UTF16.self) }
            default: break
            }
            index += 1
        }
        throw ParseError(description: "unbalanced parentheses after offset \(start) of Package.swift")
    }

    private static func firstCapture(_ pattern: String, in text: String) -> String? {
        allCaptures(pattern, in: text).first
    }

    private static func allCaptures(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }
}
