/// Pages compiled into the binary (the `TetherWWW` build-tool plugin writes them as base64 string
/// literals), served by `StaticFiles` with the same rules as a directory: no dotfiles, `..` never
/// leaves the root, directories serve their `index.html`, a directory without its slash redirects.
public struct EmbeddedFiles: Sendable {
    struct Entry: Sendable {
        let bytes: [UInt8]
        let etag: String
    }

    let entries: [String: Entry]
    /// Every directory that holds a file (`""` for the root, `docs`, `docs/api`).
    let directories: Set<String>
    /// Paths whose base64 text did not decode (reported when a server starts with them).
    public private(set) var undecodable: [String]

    /// Files by path relative to the www root (`index.html`, `img/logo.svg`), contents in base64.
    public init(base64 files: [String: String]) {
        var decoded: [String: [UInt8]] = [:]
        var undecodable: [String] = []
        for (path, text) in files {
            if let bytes = Base64.decode(text) { decoded[path] = bytes } else { undecodable.append(path) }
        }
        self.init(files: decoded)
        self.undecodable = undecodable.sorted()
    }

    /// Files by path relative to the www root, contents as bytes.
    public init(files: [String: [UInt8]]) {
        var entries: [String: Entry] = [:]
        var directories: Set<String> = [""]
        for (path, bytes) in files {
            let key = path.split(separator: "/").joined(separator: "/")
            entries[key] = Entry(bytes: bytes, etag: "\"e-\(String(Self.fnv1a(bytes), radix: 16))\"")
            var parts = key.split(separator: "/").dropLast()
            while !parts.isEmpty {
                directories.insert(parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        self.entries = entries
        self.directories = directories
        undecodable = []
    }

    /// The paths held, sorted.
    public var paths: [String] { entries.keys.sorted() }

    func resolve(_ rawPath: Substring) -> (resolution: PathConfinement.Resolution, entry: Entry?) {
        let text: String, relative: String
        switch PathConfinement.lexical(rawPath) {
        case .path(let fullText, let segments): (text, relative) = (fullText, segments)
        case .notFound: return (.notFound, nil)
        case .malformed(let why): return (.malformed(why), nil)
        }
        if let entry = entries[relative] {
            // `/page.html/` names a directory that does not exist.
            return text.hasSuffix("/") ? (.notFound, nil) : (.file(absolute: relative, relative: relative), entry)
        }
        guard directories.contains(relative) else { return (.notFound, nil) }
        if !text.hasSuffix("/") && !relative.isEmpty {
            let last = rawPath.split(separator: "/").last.map(String.init) ?? ""
            return (.redirect(location: last + "/"), nil)
        }
        let index = relative.isEmpty ? "index.html" : relative + "/index.html"
        guard let entry = entries[index] else { return (.notFound, nil) }
        return (.file(absolute: index, relative: index), entry)
    }

    /// A content hash for the ETag (the binary's files never change while it runs).
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

/// RFC 4648 base64 (standard alphabet, padding optional, no line breaks).
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0, let value = sextet(byte) else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be padding zeros (2 or 4 of them), never a whole sextet.
        guard padding <= 2, bits < 6, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
