/// One client connection: its thread runs the keep-alive loop of read, parse, handle, write.
struct Connection {
    let socket: Socket
    let server: HTTPServer
    let activity: ConnectionActivity

    private var configuration: HTTPConfiguration { server.configuration }

    func run() {
        var buffer: [UInt8] = []
        var parser = RequestParser(configuration: configuration)
        var isFirstRequest = true
        let acceptedAt = ContinuousClock.now
        let peerAddress = socket.peerAddress()

        while true {
            // A new connection has the header timeout, counted from accept, for its whole first
            // head; an idle keep-alive connection has the idle timeout to start the next request
            // (else it is closed quietly), then the header timeout from its first byte.
            if buffer.isEmpty {
                let deadline = isFirstRequest ? acceptedAt + configuration.headerTimeout : .now + configuration.idleTimeout
                switch socket.read(appendingTo: &buffer, deadline: deadline) {
                case .bytes: break
                case .closed: return
                case .timedOut:
                    if isFirstRequest { send(RequestParseError.timedOut.response, method: "GET") }
                    return
                }
            }

            let headDeadline = isFirstRequest ? acceptedAt + configuration.headerTimeout : .now + configuration.headerTimeout
            guard let head = readHead(&buffer, parser: &parser, deadline: headDeadline) else { return }
            if server.connectionBecameBusy(activity) == false {
                send(HTTPResponse.error(.serviceUnavailable, code: "shutting_down", message: "the server is stopping",
                                        closesConnection: true), method: head.method)
                return
            }

            let total = head.length + head.contentLength
            guard readBody(&buffer, until: total) else { return }

            let started = ContinuousClock.now
            let request = HTTPRequest(
                method: head.method,
                target: head.target,
                version: head.version,
                headers: HTTPHeaders(fields: head.fields),
                body: head.contentLength == 0 ? [] : Array(buffer[head.length..<total]),
                peerAddress: peerAddress
            )
            let response = server.handler.respond(to: request)
            let keepAlive = request.wantsKeepAlive && !response.closesConnection && !server.isStopping
            let delivered = send(response, method: request.method, keepAlive: keepAlive)
            server.log.debug(
                "\(request.method) \(request.target) \(response.status.code) \(response.body.count)B "
                    + "\((ContinuousClock.now - started).microseconds)µs"
            )
            let stopping = server.connectionBecameIdle(activity)
            if !delivered || !keepAlive || stopping { return }

            buffer.removeFirst(total)
            parser.reset()
            isFirstRequest = false
        }
    }

    /// Reads until the parser has a whole head; on a refusal or timeout answers and returns nil.
    private func readHead(_ buffer: inout [UInt8], parser: inout RequestParser, deadline: ContinuousClock.Instant) -> RequestParser.Head? {
        while true {
            do {
                if let head = try parser.parse(buffer) { return head }
            } catch {
                server.log.debug("refused request: \(error)")
                send(error.response, method: "GET")
                return nil
            }
            switch socket.read(appendingTo: &buffer, deadline: deadline) {
            case .bytes: continue
            case .closed: return nil
            case .timedOut:
                send(RequestParseError.timedOut.response, method: "GET")
                return nil
            }
        }
    }

    private func readBody(_ buffer: inout [UInt8], until total: Int) -> Bool {
        let deadline = ContinuousClock.now + configuration.bodyTimeout
        while buffer.count < total {
            switch socket.read(appendingTo: &buffer, deadline: deadline) {
            case .bytes: continue
            case .closed: return false
            case .timedOut:
                send(RequestParseError.timedOut.response, method: "POST")
                return false
            }
        }
        return true
    }

    @discardableResult
    private func send(_ response: HTTPResponse, method: String, keepAlive: Bool = false) -> Bool {
        let hasBody = method != "HEAD" && response.status.code != 304 && response.status.code != 204
        return socket.write(response.serialized(includeBody: hasBody, keepAlive: keepAlive))
    }
}

extension HTTPHeaders {
    init(fields: [RequestParser.HeaderField]) {
        self.init()
        for field in fields { add(field.name, field.value) }
    }
}
