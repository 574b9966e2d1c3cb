import Foundation
import PackagePlugin

/// Compiles the package's `www/` into the target that uses this plugin, as `EmbeddedFiles.www`:
/// one base64 string literal per file (an array literal of bytes would take minutes to compile).
/// Every file under www/ is an input, so changing, adding or removing a page rebuilds it.
@main
struct TetherWWW: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let www = context.package.directoryURL.appending(path: "www")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedWWW.swift")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: www, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                inputs.append(url)
            }
        }
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) files of www/ into \(target.name)",
                executable: try context.tool(named: "tether-www").url,
                arguments: [www.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
