import Foundation
@testable import TetherHTTP
import TetherBridge

/// Where the repository is (for www/) and scratch directories for tests.
enum TestPaths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var www: String { packageRoot.appendingPathComponent("www").path }

    /// A new empty directory under /tmp, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tether-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The directory holding the built products (tetherd sits beside the test bundle).
    static var productsDirectory: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("tetherd").path) {
            url = url.deletingLastPathComponent()
        }
        return url
    }
}

/// An HTTP server on port 0 in this process; stop it when done.
func startHTTPServer(_ configure: (inout HTTPConfiguration) -> Void = { _ in }, handler: any HTTPHandler) throws -> HTTPServer {
    var configuration = HTTPConfiguration()
    configuration.port = 0
    // What `Server` sets: the server's own refusals in Tether's JSON error shape.
    configuration.errorFormat = .json
    configure(&configuration)
    let server = try HTTPServer(configuration: configuration, handler: handler, log: .silent)
    server.start()
    return server
}
