import Foundation
import XCTest

/// The README's own-app walkthrough as an outside package: its `<!-- own-app: PATH -->` blocks
/// (and the `<!-- readme-app: PATH -->` blocks of "An app" and "Testing your app") copied
/// verbatim into a package outside this repository, which depends on this checkout by path.
/// Built once per test run (in a directory kept between runs, so a rebuild is incremental).
enum OwnAppPackage {
    struct Failure: Error, CustomStringConvertible { let description: String }

    struct Built {
        /// The scratch package's root.
        let root: URL
        /// Its debug `hello` binary.
        let binary: String
    }

    /// The one `.package(url:)` line the README shows; the only line rewritten.
    static let dependencyLine = #"        .package(url: "https://github.com/tether-swift/tether.git", from: "0.1.0"),"#

    static let expectedOwnAppPaths = ["Package.swift", "Sources/hello/main.swift", "www/index.html", "Tests/helloTests/helloTests.swift"]

    /// Built on first use; every test of the walkthrough shares it.
    static let shared: Result<Built, Failure> = Result { () throws(Failure) -> Built in try build() }

    static func require() throws -> Built {
        switch shared {
        case .success(let built): return built
        case .failure(let failure): XCTFail(failure.description); throw failure
        }
    }

    /// The fenced blocks preceded by `<!-- MARKER: PATH -->`, in README order.
    static func blocks(marker: String, in readme: String) -> [(path: String, text: String)] {
        let lines = readme.components(separatedBy: "\n")
        var found: [(String, String)] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            let prefix = "<!-- \(marker): "
            guard line.hasPrefix(prefix), line.hasSuffix(" -->"), index < lines.count, lines[index].hasPrefix("```") else { continue }
            let path = String(line.dropFirst(prefix.count).dropLast(4))
            index += 1
            var body: [String] = []
            while index < lines.count, lines[index] != "```" {
                body.append(lines[index])
                index += 1
            }
            index += 1
            found.append((path, body.joined(separator: "\n") + "\n"))
        }
        return found
    }

    /// A directory outside the repository, the same for every run from this checkout.
    static var scratchRoot: URL {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in TestPaths.packageRoot.path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tether-own-app-\(String(hash, radix: 16))")
    }

    static func swift() throws(Failure) -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/opt/swift/usr/bin", "/usr/bin"] {
            let path = "\(directory)/swift"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Failure(description: "no swift on PATH to build the walkthrough's package")
    }

    /// `swift ARGUMENTS` in the scratch package; throws with its output when it fails.
    @discardableResult
    static func runSwift(_ arguments: [String], in package: URL, timeout: Double = 900) throws(Failure) -> String {
        let result: (status: Int32?, stdout: String, stderr: String)
        do {
            result = try LoggedProcess.run(try swift(), arguments + ["--package-path", package.path], timeout: timeout)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot run swift \(arguments.joined(separator: " ")): \(error)")
        }
        guard result.status == 0 else {
            throw Failure(description: "swift \(arguments.joined(separator: " ")) in \(package.path) exited \(result.status.map(String.init) ?? "by a signal or timeout"):\n\(result.stdout)\n\(result.stderr)")
        }
        return result.stdout + result.stderr
    }

    private static func build() throws(Failure) -> Built {
        let readme: String
        do {
            readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        } catch {
            throw Failure(description: "cannot read README.md: \(error)")
        }
        let ownApp = blocks(marker: "own-app", in: readme)
        guard ownApp.map(\.path) == expectedOwnAppPaths else {
            throw Failure(description: "README's own-app blocks are \(ownApp.map(\.path)), expected \(expectedOwnAppPaths)")
        }
        let readmeApp = blocks(marker: "readme-app", in: readme)
        guard readmeApp.map(\.path).sorted() == ["Sources/counter/main.swift", "Tests/counterTests/CounterTests.swift"] else {
            throw Failure(description: "README's readme-app blocks are \(readmeApp.map(\.path))")
        }
        let root = scratchRoot
        let package = root.appendingPathComponent("hello")
        let checkout = root.appendingPathComponent("tether")
        do {
            let files = FileManager.default
            try files.createDirectory(at: package, withIntermediateDirectories: true)
            // The package identity is the last path component, as `tether` of the README's url.
            try? files.removeItem(at: checkout)
            try files.createSymbolicLink(at: checkout, withDestinationURL: TestPaths.packageRoot)
            // Only what the README holds: no file of an earlier README survives.
            for name in ["Package.swift", "Sources", "Tests", "www"] { try? files.removeItem(at: package.appendingPathComponent(name)) }
            for block in ownApp + readmeApp {
                var text = block.text
                if block.path == "Package.swift" { text = try manifest(text, checkout: checkout) }
                let url = package.appendingPathComponent(block.path)
                try files.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot write the scratch package at \(package.path): \(error)")
        }
        try runSwift(["build", "--build-tests"], in: package)
        let binary = package.appendingPathComponent(".build/debug/hello").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw Failure(description: "no binary at \(binary)") }
        return Built(root: package, binary: binary)
    }

    /// The README's manifest with its dependency pointed at this checkout, and (for the "An app"
    /// and "Testing your app" blocks) two targets added: `counter` and `counterTests`.
    static func manifest(_ text: String, checkout: URL) throws(Failure) -> String {
        let lines = text.components(separatedBy: "\n")
        guard lines.filter({ $0 == dependencyLine }).count == 1, lines.filter({ $0.contains(".package(") }).count == 1 else {
            throw Failure(description: "the README's Package.swift must hold exactly one dependency line: \(dependencyLine)")
        }
        guard lines.filter({ $0 == "    targets: [" }).count == 1 else {
            throw Failure(description: "the README's Package.swift has no `    targets: [` line")
        }
        return lines.flatMap { line -> [String] in
            if line == dependencyLine { return [#"        .package(path: "\#(checkout.path)"),"#] }
            if line == "    targets: [" {
                return [
                    line,
                    #"        .executableTarget(name: "counter", dependencies: [.product(name: "Tether", package: "tether"), .product(name: "TetherSystem", package: "tether")]),"#,
                    #"        .testTarget(name: "counterTests", dependencies: ["counter", .product(name: "TetherTesting", package: "tether")]),"#,
                ]
            }
            return [line]
        }.joined(separator: "\n")
    }
}
