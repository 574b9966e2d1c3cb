#if canImport(Glibc)
import Glibc
#endif

/// The few POSIX calls on a connected socket the server needs, with deadlines through `poll(2)`.
struct Socket: Sendable {
    let fd: Int32

    enum ReadResult {
        case bytes(Int)
        case closed
        case timedOut
    }

    /// Reads what is available into `buffer` (appending), waiting at most until `deadline`.
    func read(appendingTo buffer: inout [UInt8], deadline: ContinuousClock.Instant) -> ReadResult {
        while true {
            let remaining = deadline - .now
            if remaining <= .zero { return .timedOut }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, remaining.pollMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                return .closed
            }
            if ready == 0 { continue }  // the loop re-checks the deadline
            // Received into scratch space on the stack, so that only the bytes that came are
            // copied (not 16 KiB zeroed into the buffer and trimmed back on every read).
            let chunk = 16 * 1024
            let received = withUnsafeTemporaryAllocation(byteCount: chunk, alignment: 16) { scratch -> Int in
                let got = recv(fd, scratch.baseAddress, chunk, 0)
                if got > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<got])) }
                return got
            }
            if received > 0 { return .bytes(received) }
            if received < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            return .closed
        }
    }

    /// Sends every byte; false when the peer is gone or stopped reading (`SO_SNDTIMEO`).
    func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += sent
            }
            return true
        }
    }

    /// Tries once without blocking; used by the accept loop to refuse a connection over the cap.
    func writeWithoutBlocking(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { raw in
            send(fd, raw.baseAddress!, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
    }

    func configureAccepted(writeTimeout: Duration) {
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        let (seconds, attoseconds) = writeTimeout.components
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Wakes a thread blocked reading this socket (it sees end of stream).
    func shutdownReading() { Glibc.shutdown(fd, Int32(SHUT_RD)) }
    func shutdownBoth() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    func close() { _ = Glibc.close(fd) }
}
