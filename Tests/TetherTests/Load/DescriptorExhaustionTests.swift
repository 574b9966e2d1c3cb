import Foundation
import Synchronization
import XCTest
@testable import TetherHTTP
import TetherBridge

/// Out of file descriptors, a new client gets 503 and the log one clear line; once
/// descriptors are free again, clients are served.
final class DescriptorExhaustionTests: XCTestCase {
    func testOutOfDescriptorsGives503AndOneLogLine() throws {
        let lines = Mutex<[String]>([])
        var configuration = HTTPConfiguration()
        configuration.port = 0
        configuration.errorFormat = .json  // as Server sets it
        let log = Log(level: .info) { line in lines.withLock { $0.append(line) } }
        let server = try HTTPServer(configuration: configuration, handler: echoHandler, log: log)
        server.start()
        defer { server.stop() }
        lines.withLock { $0.removeAll() }  // the descriptor-limit line of start, if any

        // Client sockets are made first; connecting them needs no descriptor on this side.
        let clients = (0..<8).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        defer { for fd in clients { close(fd) } }
        XCTAssertFalse(clients.contains(-1))
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
        // The limit bounds descriptor numbers, not their count: put it just above the second
        // free number, so that two connections are accepted and then none.
        let open = Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { Int($0) })
        var free = 0
        var limit = 0
        while free < 2 {
            if !open.contains(limit) { free += 1 }
            limit += 1
        }
        var low = saved
        low.rlim_cur = rlim_t(limit)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &low), 0)
        var restored = false
        func restore() {
            if !restored { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved) }
            restored = true
        }
        defer { restore() }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        for fd in clients {
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            XCTAssertEqual(connected, 0)
        }
        // The last client connected is past the limit: it is answered 503 and closed.
        var received: [UInt8] = []
        let last = try XCTUnwrap(clients.last)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            var pfd = pollfd(fd: last, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let got = chunk.withUnsafeMutableBytes { recv(last, $0.baseAddress, 4096, 0) }
            if got <= 0 { break }
            received.append(contentsOf: chunk[0..<got])
        }
        restore()
        let text = String(decoding: received, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 503 "), "no 503 for a client past the descriptor limit: \(text)")
        XCTAssertTrue(text.contains("\"out_of_descriptors\""), text)
        let logged = lines.withLock { $0 }
        XCTAssertEqual(logged.count, 1, "one line, not one per refusal: \(logged)")
        XCTAssertTrue(logged.first?.contains("Too many open files") ?? false, "\(logged)")
        XCTAssertTrue(server.isAccepting)
        assertServesNextClient(server)
    }
}
