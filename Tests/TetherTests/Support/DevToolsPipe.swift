import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Chrome DevTools protocol over `--remote-debugging-pipe`: JSON messages ended by NUL.
/// Used to capture a screenshot of a page that Tether has driven, and to read its console.
final class DevToolsPipe {
    private let writeFD: Int32
    private let readFD: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1

    /// The events (messages with no `id`) read so far while waiting for answers, oldest first.
    private(set) var events: [[String: Any]] = []

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(write: Int32, read: Int32) {
        writeFD = write
        readFD = read
    }

    func close() {
        Glibc.close(writeFD)
        Glibc.close(readFD)
    }

    /// Sends a command and returns its `result`.
    func send(_ method: String, params: [String: Any] = [:], session: String? = nil, timeout: Double = 20) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = Array(try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        let written = bytes.withUnsafeBytes { Glibc.write(writeFD, $0.baseAddress!, bytes.count) }
        guard written == bytes.count else { throw Failure(description: "writing to the DevTools pipe failed") }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let reply = try nextMessage(deadline: deadline) else { break }
            guard let replyID = reply["id"] as? Int else {
                events.append(reply)
                continue
            }
            guard replyID == id else { continue }  // an answer to an earlier command that timed out
            if let error = reply["error"] { throw Failure(description: "\(method): \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
        throw Failure(description: "\(method): no answer in time")
    }

    /// Attaches to the first page target, once there is one, and returns the session id that
    /// commands for the page and its events carry.
    func attachToFirstPage(timeout: Double = 10) throws -> String {
        var target: String?
        eventually(timeout: timeout) {
            let targets = (try? send("Target.getTargets"))?["targetInfos"] as? [[String: Any]] ?? []
            target = targets.first { $0["type"] as? String == "page" }?["targetId"] as? String
            return target != nil
        }
        guard let target else { throw Failure(description: "no page target") }
        guard let session = try send("Target.attachToTarget", params: ["targetId": target, "flatten": true])["sessionId"] as? String else {
            throw Failure(description: "attach gave no session")
        }
        return session
    }

    /// Captures the first page target as PNG bytes.
    func screenshotOfFirstPage() throws -> Data {
        let session = try attachToFirstPage()
        let shot = try send("Page.captureScreenshot", params: ["format": "png"], session: session)
        guard let base64 = shot["data"] as? String, let png = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot data")
        }
        return png
    }

    private func nextMessage(deadline: Date) throws -> [String: Any]? {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let data = Data(buffer[0..<end])
                buffer.removeFirst(end + 1)
                return try JSONSerialization.jsonObject(with: data) as? [String: Any]
            }
            var pfd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&pfd, 1, wait) > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let got = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress!, 1 << 16) }
            guard got > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<got])
        }
    }
}
