import Tether
import TetherDemos

/// The servers of figures 1–5, in this process: the demo counter app exactly as tetherd
/// serves it, and a bare route of the same HTTP layer (`HTTPServer`, same connection loop and
/// parser) that answers every request with getresult's reply — the limit of this machine.
final class InProcessServers {
    let demo: Server
    let bare: HTTPServer
    var demoPort: Int { demo.port }
    var barePort: Int { bare.port }

    /// getresult(125, 99)'s answer, which the bare route also sends.
    static let getresultReply = Array("{\"value\":224}".utf8)

    init(www: String) throws(BenchError) {
        var configuration = Server.Configuration()
        configuration.http.host = "127.0.0.1"
        configuration.http.port = 0
        configuration.www = www
        configuration.log = Log(level: .error)
        demo = Demos.server(configuration: configuration)
        do { try demo.start() } catch { throw BenchError("in-process demo server: \(error)") }

        var http = HTTPConfiguration()
        http.host = "127.0.0.1"
        http.port = 0
        let reply = Self.getresultReply
        do {
            bare = try HTTPServer(configuration: http, handler: HandlerFunction { _ in
                HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: reply)
            }, log: Log(level: .error))
        } catch {
            demo.stop()
            throw BenchError("in-process bare server: \(error)")
        }
        bare.start()
    }

    func stop() {
        demo.stop()
        bare.stop()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
