#if canImport(Glibc)
import Glibc
#endif

/// Maps a request path onto a file under the www root, or refuses it.
/// Order matters: percent-decode first, then reject NUL and backslashes, then resolve `..`
/// lexically (never above the root), then let `realpath` resolve symlinks and check the
/// result still lies under the root.
public struct PathConfinement: Sendable {
    /// The root, as `realpath` gives it.
    public let root: String

    public enum Resolution: Sendable, Equatable {
        /// A regular file: absolute path, and the path relative to the root (`index.html`, `sub/a.css`).
        case file(absolute: String, relative: String)
        /// A directory named without its trailing slash: send the client here (a relative URL).
        case redirect(location: String)
        case notFound
        case malformed(String)
    }

    public init(root: String) throws(StaticFilesError) {
        guard let real = PathConfinement.realPath(root) else { throw .rootMissing(root) }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { throw .rootNotDirectory(root) }
        self.root = real
    }

    public func resolve(_ rawPath: Substring) -> Resolution {
        let text: String, relative: String
        switch PathConfinement.lexical(rawPath) {
        case .path(let fullText, let segments): (text, relative) = (fullText, segments)
        case .notFound: return .notFound
        case .malformed(let why): return .malformed(why)
        }
        let candidate = relative.isEmpty ? root : root + "/" + relative
        guard let real = confined(candidate) else { return .notFound }

        switch fileKind(real) {
        case .regular:
            // `/page.html/` names a directory that does not exist (and would break relative links).
            if text.hasSuffix("/") { return .notFound }
            return .file(absolute: real, relative: String(real.dropFirst(root.count + 1)))
        case .directory:
            if !text.hasSuffix("/") && !relative.isEmpty {
                // `/docs` → `docs/`: relative links and the page's base need the slash.
                let last = rawPath.split(separator: "/").last.map(String.init) ?? ""
                return .redirect(location: last + "/")
            }
            guard let index = confined(real + "/index.html"), fileKind(index) == .regular else { return .notFound }
            return .file(absolute: index, relative: String(index.dropFirst(root.count + 1)))
        case .other:
            return .notFound
        }
    }

    enum Lexical: Equatable {
        /// The decoded path as sent, and its segments relative to the root (`sub/a.css`, `` for the root).
        case path(text: String, relative: String)
        case notFound
        case malformed(String)
    }

    /// The rules that need no file system, shared with pages served from memory: percent-decode,
    /// refuse NUL and backslashes, resolve `..` without leaving the root, never a dotfile.
    static func lexical(_ rawPath: Substring) -> Lexical {
        guard let decoded = PathConfinement.percentDecode(rawPath) else {
            return .malformed("bad percent-encoding in path")
        }
        if decoded.contains(0) { return .malformed("NUL byte in path") }
        if decoded.contains(UInt8(ascii: "\\")) { return .malformed("backslash in path") }
        guard let text = String(validating: decoded, as: UTF8.self) else { return .malformed("path is not UTF-8") }

        var segments: [Substring] = []
        for segment in text.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..":
                if segments.isEmpty { return .notFound }  // would leave the root
                segments.removeLast()
            default:
                if segment.hasPrefix(".") { return .notFound }  // dotfiles (.git, .env) are never served
                segments.append(segment)
            }
        }
        return .path(text: text, relative: segments.joined(separator: "/"))
    }

    /// Why nothing can be served now (the root was deleted or replaced), nil while it is a directory.
    public var rootProblem: String? {
        var info = stat()
        guard stat(root, &info) == 0 else {
            return "the www directory \(root) is gone: \(String(cString: strerror(errno)))"
        }
        return (info.st_mode & S_IFMT) == S_IFDIR ? nil : "the www path \(root) is no longer a directory"
    }

    /// The real path of `path` if it lies inside the root (symlinks resolved).
    private func confined(_ path: String) -> String? {
        guard let real = PathConfinement.realPath(path) else { return nil }
        return real == root || real.hasPrefix(root == "/" ? "/" : root + "/") ? real : nil
    }

    private enum Kind { case regular, directory, other }

    private func fileKind(_ path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .other }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `%2e%2E` → `..`; nil for a `%` not followed by two hex digits.
    public static func percentDecode(_ raw: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.utf8.count)
        var bytes = raw.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else { out.append(byte); continue }
            guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

public enum StaticFilesError: Error, Equatable, Sendable, CustomStringConvertible {
    case rootMissing(String)
    case rootNotDirectory(String)
    /// An embedded file whose base64 text does not decode.
    case undecodable(String)

    public var description: String {
        switch self {
        case .undecodable(let path): "embedded www file is not valid base64: \(path)"
        case .rootMissing(let path): "www directory not found: \(path)"
        case .rootNotDirectory(let path): "www path is not a directory: \(path)"
        }
    }
}
