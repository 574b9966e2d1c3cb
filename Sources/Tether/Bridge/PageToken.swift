/// What a served page carries instead of a session: `nonce.issued.path.target.mac`, all hex.
/// The 128-bit nonce makes it unguessable and unique, `issued` is milliseconds on this
/// registry's clock, `path` the www file it was served from, `target` the address it was
/// loaded at (so `page.request` has its query), and the MAC (HMAC-SHA256 under a
/// key made at start, truncated to 128 bits) proves this process issued it. A page load thus
/// keeps no server state; the session comes to life at the page's first POST.
struct PageTokens: Sendable {
    private let key: [UInt8]

    init() {
        var generator = SystemRandomNumberGenerator()
        key = (0..<4).flatMap { _ in Hex.bytes(of: generator.next() as UInt64) }
    }

    struct Verified: Equatable {
        let pagePath: String
        let target: String
        let issuedMilliseconds: Int64
    }

    func issue(pagePath: String, target: String, atMilliseconds issued: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        let nonce = Hex.string(Hex.bytes(of: generator.next() as UInt64) + Hex.bytes(of: generator.next() as UInt64))
        let body = nonce + "." + String(issued, radix: 16) + "." + Hex.string(Array(pagePath.utf8))
            + "." + Hex.string(Array(target.utf8))
        return body + "." + mac(body)
    }

    /// The page path, address and issue time of a token this process made; nil for anything else.
    func verify(_ token: String) -> Verified? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].utf8.count == 32, parts[4].utf8.count == 32,
              parts.allSatisfy({ $0.utf8.allSatisfy(Hex.isDigit) }) else { return nil }
        let body = token.dropLast(33)
        guard Self.equalInConstantTime(mac(String(body)), String(parts[4])),
              let issued = Int64(parts[1], radix: 16),
              let pathBytes = Hex.decode(parts[2]),
              let pagePath = String(validating: pathBytes, as: UTF8.self),
              let targetBytes = Hex.decode(parts[3]),
              let target = String(validating: targetBytes, as: UTF8.self) else { return nil }
        return Verified(pagePath: pagePath, target: target, issuedMilliseconds: issued)
    }

    private func mac(_ body: String) -> String {
        Hex.string(Array(HMACSHA256.authenticate(Array(body.utf8), key: key).prefix(16)))
    }

    private static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a.utf8, b.utf8) { difference |= x ^ y }
        return difference == 0
    }
}

/// Lowercase hex, both ways.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func string(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(of value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ byte: UInt8) -> UInt8 { byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : byte - UInt8(ascii: "a") + 10 }
        return stride(from: 0, to: utf8.count, by: 2).map { value(utf8[$0]) << 4 | value(utf8[$0 + 1]) }
    }
}
