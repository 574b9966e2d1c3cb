#if canImport(Glibc)
import Glibc
#endif
import CEpoll

/// The request cycle of a connection on the I/O thread: read into the parser, hand the
/// request to the handler, write the response as the socket takes it.
extension HTTPServer {
    /// Bytes read per `recv`.
    private static let readChunk = 64 * 1024
    /// Bytes of a file sent to one connection per turn, so one fast reader cannot starve others.
    private static let fileBytesPerTurn = 1 << 20

    func handle(_ event: EventLoop.Event) {
        guard let connection = io.connections[Connection.descriptor(of: event.token)],
              connection.token == event.token else { return }  // closed earlier in this batch
        let events = event.events
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            close(connection)
            return
        }
        switch connection.phase {
        case .handling:
            // Nothing is read while a request is handled; a hang-up means the client is gone.
            if events & EPOLLRDHUP.rawValue != 0 {
                close(connection)
            } else if connection.responder?.isAnswered == false {
                // A pipelined request waits in the socket; watch only for a hang-up meanwhile.
                setInterest(connection, EPOLLRDHUP.rawValue)
            }
        case .writing:
            if events & EventLoop.writable != 0 { flush(connection) }
        case .idle, .head, .body:
            if events & (EventLoop.readable | EPOLLRDHUP.rawValue) != 0 { read(connection) }
        }
    }

    // MARK: Reading

    private func read(_ connection: Connection) {
        let received = withUnsafeTemporaryAllocation(byteCount: Self.readChunk, alignment: 16) { scratch -> Int in
            let got = recv(connection.fd, scratch.baseAddress, Self.readChunk, 0)
            if got > 0 { connection.input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<got])) }
            return got
        }
        if received < 0 && (errno == EAGAIN || errno == EINTR) { return }
        if received <= 0 {
            close(connection)  // the client closed (or reset) the connection
            return
        }
        advance(connection)
    }

    /// Moves a connection on with the bytes it has: a head parsed, a body complete, a request handed over.
    private func advance(_ connection: Connection) {
        if case .idle = connection.phase {
            guard !connection.input.isEmpty else { return }
            io.idle.remove(connection)
            connection.phase = .head
            if connection.servedOne {
                // A keep-alive connection has the header timeout from the first byte of its next request.
                setDeadline(connection, .now + configuration.headerTimeout, .requestTimeout(method: "GET"))
            }
        }
        if case .head = connection.phase {
            let head: RequestParser.Head?
            do {
                head = try connection.parser.parse(connection.input)
            } catch {
                log.debug("refused request: \(error)")
                respondAndClose(connection, configuration.errorFormat.response(for: error), method: "GET")
                return
            }
            guard let head else { return }
            if isStopping {
                respondAndClose(connection, configuration.errorFormat.response(for: HTTPError(
                    .serviceUnavailable, code: "shutting_down", message: "the server is stopping", closesConnection: true)),
                                method: head.method)
                return
            }
            connection.phase = .body(head)
            if connection.input.count < head.length + head.contentLength {
                setDeadline(connection, .now + configuration.bodyTimeout, .requestTimeout(method: head.method))
            }
        }
        if case .body(let head) = connection.phase, connection.input.count >= head.length + head.contentLength {
            dispatch(connection, head)
        }
    }

    private func dispatch(_ connection: Connection, _ head: RequestParser.Head) {
        let total = head.length + head.contentLength
        let request = HTTPRequest(
            method: head.method,
            target: head.target,
            version: head.version,
            headers: HTTPHeaders(fields: head.fields),
            body: head.contentLength == 0 ? [] : Array(connection.input[head.length..<total]),
            peerAddress: connection.peerAddress
        )
        connection.input.removeFirst(total)
        connection.parser.reset()
        connection.phase = .handling
        setDeadline(connection, nil)
        let responder = ConnectionResponder(server: self, connection: connection, request: request)
        connection.responder = responder
        handler.respond(to: request, responder: responder)
    }

    // MARK: Writing

    /// The handler's answer, on the I/O thread; dropped when its connection is gone. The
    /// answering thread may have sent some or all of it already.
    func deliver(_ response: PreparedResponse, for responder: ConnectionResponder) {
        let connection = io.connections[Connection.descriptor(of: responder.token)]
        let isCurrent = connection.map { $0.responder === responder } ?? false
        // A worker may have written the whole answer already, and the client closed before
        // this runs: it was still served, and is logged.
        if isCurrent || response.written > 0 {
            log.debug("\(responder.method) \(responder.target) \(response.status) \(response.contentLength)B "
                      + "\((ContinuousClock.now - responder.receivedAt).microseconds)µs")
        }
        guard let connection, isCurrent else { return }
        connection.responder = nil
        write(response, to: connection)
    }

    func respondAndClose(_ connection: Connection, _ response: HTTPResponse, method: String) {
        io.idle.remove(connection)
        write(PreparedResponse(response, method: method, keepAlive: false), to: connection)
    }

    private func write(_ response: PreparedResponse, to connection: Connection) {
        connection.outHead = response.head
        connection.outBody = response.body
        connection.outWritten = response.written
        connection.outFile = response.file
        connection.fileSent = 0
        connection.closeAfterWrite = !response.keepAlive
        connection.phase = .writing
        flush(connection)
    }

    /// Writes what the socket takes now; the rest waits for EPOLLOUT, within the write timeout.
    private func flush(_ connection: Connection) {
        var fileBudget = Self.fileBytesPerTurn
        var progressed = false
        while true {
            let inMemory = connection.outHead.count + connection.outBody.count
            if connection.outWritten < inMemory {
                let sent = writeMemory(connection)
                if sent > 0 {
                    connection.outWritten += sent
                    progressed = true
                    continue
                }
                if sent < 0 && errno == EINTR { continue }
                if sent < 0 && errno == EAGAIN { break }
                close(connection)
                return
            }
            if let file = connection.outFile, connection.fileSent < file.length {
                if fileBudget <= 0 { break }
                var offset = off_t(file.offset + connection.fileSent)
                let sent = sendfile(connection.fd, file.file.descriptor, &offset, min(file.length - connection.fileSent, fileBudget))
                if sent > 0 {
                    connection.fileSent += sent
                    fileBudget -= sent
                    progressed = true
                    continue
                }
                if sent < 0 && errno == EINTR { continue }
                if sent < 0 && errno == EAGAIN { break }
                // 0: the file shrank under us, and the promised length cannot be kept.
                if sent == 0 { log.warning("a file being sent got shorter; closing the connection") }
                close(connection)
                return
            }
            finishResponse(connection)
            return
        }
        setInterest(connection, EventLoop.writable)
        if progressed || connection.deadline == nil {
            // A client that takes nothing for the write timeout is dropped.
            setDeadline(connection, .now + configuration.writeTimeout, .close)
        }
    }

    private func writeMemory(_ connection: Connection) -> Int {
        let headCount = connection.outHead.count
        let written = connection.outWritten
        return connection.outHead.withUnsafeBytes { head in
            connection.outBody.withUnsafeBytes { body in
                var parts = [iovec](repeating: iovec(), count: 2)
                var count = 0
                if written < headCount {
                    parts[0] = iovec(iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress! + written), iov_len: headCount - written)
                    count = 1
                }
                let bodyDone = max(0, written - headCount)
                if bodyDone < body.count {
                    parts[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress! + bodyDone), iov_len: body.count - bodyDone)
                    count += 1
                }
                return Glibc.writev(connection.fd, parts, Int32(count))
            }
        }
    }

    private func finishResponse(_ connection: Connection) {
        connection.outHead = []
        connection.outBody = []
        connection.outFile = nil
        if connection.closeAfterWrite {
            close(connection)
            return
        }
        connection.servedOne = true
        connection.phase = .idle
        setInterest(connection, EventLoop.readable | EventLoop.hangUp)
        if connection.input.isEmpty {
            let now = ContinuousClock.now
            io.idle.append(connection, now: now)
            setDeadline(connection, now + configuration.idleTimeout, .close)
        } else {
            advance(connection)  // a pipelined request is already here
        }
    }

    // MARK: Bookkeeping

    private func setInterest(_ connection: Connection, _ events: UInt32) {
        guard connection.interest != events else { return }
        connection.interest = events
        _ = loop.modify(connection.fd, events: events, token: connection.token)
    }

    /// Unregisters and closes; a handler still working on it learns the client is gone.
    func close(_ connection: Connection) {
        guard io.connections[connection.fd] === connection else { return }
        io.connections[connection.fd] = nil
        io.idle.remove(connection)
        loop.remove(connection.fd)
        connection.socket.close()
        connection.outFile = nil
        openCount.store(io.connections.count, ordering: .relaxed)
        if let responder = connection.responder {
            connection.responder = nil
            responder.clientWentAway()
        }
        running.leave()
    }
}

extension HTTPHeaders {
    init(fields: [RequestParser.HeaderField]) {
        self.init()
        for field in fields { add(field.name, field.value) }
    }
}
