import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
@testable import TetherHTTP
import TetherSupport

/// A loopback TCP proxy that can cut the connection carrying the next poll answer with
/// commands, before the browser sees a byte of it: a poll lost on the way.
final class TCPProxy: Sendable {
    let listener: Listener
    private let upstreamPort: Int
    private let armed = Atomic<Bool>(false)
    let cuts = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    init(upstreamPort: Int) throws {
        listener = try Listener(host: "127.0.0.1", port: 0)
        self.upstreamPort = upstreamPort
        PosixThread.start { [self] in acceptLoop() }
    }

    var port: Int { listener.port }

    /// The next answer from upstream that carries commands is dropped with its connection.
    func cutNextPollAnswer() { armed.store(true, ordering: .relaxed) }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        listener.close()
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listenerDescriptor, nil, nil)
            if client < 0 { return }
            guard let upstream = try? RawConnection(port: upstreamPort) else { close(client); continue }
            let pair = Pair(client: client, upstream: dup(upstream.fd))
            PosixThread.start { [self] in pump(pair, from: pair.client, to: pair.upstream, inspect: false) }
            PosixThread.start { [self] in pump(pair, from: pair.upstream, to: pair.client, inspect: true) }
        }
    }

    private var listenerDescriptor: Int32 { listener.fd }

    /// Both ends of one proxied connection; closed once both directions have stopped,
    /// so a descriptor number is never shut down after the kernel reused it.
    private final class Pair: Sendable {
        let client: Int32
        let upstream: Int32
        private let running = Atomic<Int>(2)
        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
        func finished() {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(upstream, Int32(SHUT_RDWR))
            if running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                close(client)
                close(upstream)
            }
        }
    }

    private func pump(_ pair: Pair, from source: Int32, to destination: Int32, inspect: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress!, 65536, 0) }
            if got <= 0 { break }
            if inspect && armed.load(ordering: .relaxed) {
                let text = String(decoding: buffer[0..<got], as: UTF8.self)
                if text.contains("\"commands\":[{") && armed.exchange(false, ordering: .relaxed) {
                    cuts.add(1, ordering: .relaxed)
                    break  // drop this answer and the connection
                }
            }
            var offset = 0
            while offset < got {
                let sent = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + offset, got - offset, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { break }
                offset += sent
            }
        }
        pair.finished()
    }
}
