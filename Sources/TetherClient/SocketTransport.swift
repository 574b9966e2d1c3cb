#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TetherHTTP

/// A transport over one keep-alive HTTP/1.1 connection to `127.0.0.1:port`, opened on first
/// use and again after the server closed it. Requests go out as a page's `fetch` sends them:
/// one write, `Content-Length`, `TCP_NODELAY`.
package final class SocketTransport: ClientTransport {
    package let port: Int
    private let connection = Mutex<ClientConnection?>(nil)
    /// The open connection's descriptor, so that `cut` can end an exchange from another thread.
    private let descriptor = Atomic<Int32>(-1)
    /// Set by `cut`: an exchange that then fails is not tried again.
    private let wasCut = Atomic<Bool>(false)

    package init(port: Int) { self.port = port }

    package var authority: String? { "127.0.0.1:\(port)" }

    package func exchange(_ request: HTTPRequest, timeout: Duration) throws(ClientError) -> HTTPResponse {
        let bytes = Self.bytes(of: request)
        let deadline = ClientConnection.nanos() + Int64(timeout.components.seconds) * 1_000_000_000
            + timeout.components.attoseconds / 1_000_000_000
        let port = port
        let outcome = connection.withLock { [self] slot -> Result<HTTPResponse, ClientError> in
            var open: ClientConnection
            var reused = slot != nil
            if let existing = slot {
                open = existing
            } else {
                do throws(ClientConnection.Failure) { open = try ClientConnection(port: port) } catch { return .failure(.transport(error.description)) }
                slot = open
                descriptor.store(open.fd, ordering: .releasing)
            }
            while !open.exchange(bytes, deadline: deadline) {
                slot = nil
                descriptor.store(-1, ordering: .releasing)
                // A kept-alive connection the server closed while idle answers nothing: the
                // request never ran, so it goes once more on a new one, as a browser's does.
                guard reused, !open.hasUnreadBytes, !wasCut.load(ordering: .acquiring), ClientConnection.nanos() < deadline else {
                    return .failure(.transport("\(request.method) \(request.target) on port \(port): closed or timed out"))
                }
                do throws(ClientConnection.Failure) { open = try ClientConnection(port: port) } catch { return .failure(.transport(error.description)) }
                reused = false
                slot = open
                descriptor.store(open.fd, ordering: .releasing)
            }
            let response = HTTPResponse(status: HTTPStatus(open.status, ""), headers: HTTPHeaders(open.headerFields),
                                        body: open.bodyBytes)
            if open.serverWillClose {
                slot = nil
                descriptor.store(-1, ordering: .releasing)
            }
            return .success(response)
        }
        return try outcome.get()
    }

    package func another() throws(ClientError) -> any ClientTransport { SocketTransport(port: port) }

    package func cut() {
        wasCut.store(true, ordering: .releasing)
        let fd = descriptor.load(ordering: .acquiring)
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// The request on the wire: its headers as given, then `Content-Length` for a body.
    package static func bytes(of request: HTTPRequest) -> [UInt8] {
        var text = "\(request.method) \(request.target) \(request.version)\r\n"
        for field in request.headers where !field.name.equalsIgnoringASCIICase("Content-Length") {
            text += "\(field.name): \(field.value)\r\n"
        }
        if !request.body.isEmpty || request.method == "POST" { text += "Content-Length: \(request.body.count)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + request.body
    }
}

extension HTTPHeaders {
    init(_ fields: [(name: String, value: String)]) {
        self.init()
        for field in fields { add(field.name, field.value) }
    }
}
