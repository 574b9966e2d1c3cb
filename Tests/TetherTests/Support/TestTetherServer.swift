import Foundation
@testable import Tether
import TetherDemos

/// A Tether server for tests: the demos on port 0, short timeouts, no logs.
func startDemoServer(_ configure: (inout Server.Configuration) -> Void = { _ in }) throws -> Server {
    var configuration = Server.Configuration()
    configuration.http.port = 0
    configuration.www = TestPaths.www
    configuration.log = .silent
    configuration.bridge.pollHold = .seconds(5)
    configure(&configuration)
    let server = Demos.server(configuration: configuration)
    try server.start()
    return server
}

extension Server {
    /// Waits until the page with this id exists (a page's session opens at its first request).
    func waitForPage(_ id: String, timeout: Double = 5) -> Page? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let page = page(id: id) { return page }
            usleep(1000)
        }
        return nil
    }
}
