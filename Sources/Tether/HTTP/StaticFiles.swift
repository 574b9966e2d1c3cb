#if canImport(Glibc)
import Glibc
#endif

/// Serves regular files under a root with `GET` and `HEAD`: confined paths, media types,
/// `ETag`/`If-None-Match`, `Cache-Control: no-cache` on HTML, no directory listings.
/// The root is a directory, or pages compiled into the binary (`EmbeddedFiles`).
public struct StaticFiles: HTTPHandler {
    /// The directory served; nil when the pages are embedded.
    public let confinement: PathConfinement?
    /// The pages served from memory; nil when they come from a directory.
    public let embedded: EmbeddedFiles?

    /// A file read from disk, ready to send or to change (the Bridge injects its script into HTML).
    public struct File: Sendable {
        public let relativePath: String
        public let contentType: String
        public let etag: String
        public var bytes: [UInt8]
    }

    public enum Lookup: Sendable {
        case file(File)
        case response(HTTPResponse)
    }

    public init(root: String) throws(StaticFilesError) {
        confinement = try PathConfinement(root: root)
        embedded = nil
    }

    public init(embedded files: EmbeddedFiles) throws(StaticFilesError) {
        if let path = files.undecodable.first { throw .undecodable(path) }
        confinement = nil
        embedded = files
    }

    /// True when `page` (`index.html`, `kiosk/index.html`) is a file this serves.
    public func contains(page: String) -> Bool {
        if let embedded { return embedded.entries[page] != nil }
        guard let confinement else { return false }
        if case .file = confinement.resolve(Substring(page)) { return true }
        return false
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        switch lookup(request) {
        case .response(let response): return response
        case .file(let file): return response(for: file, request: request)
        }
    }

    /// Resolves and reads the file a GET or HEAD names, or gives the refusal to send.
    public func lookup(_ request: HTTPRequest) -> Lookup {
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.error(
                .methodNotAllowed, code: "method_not_allowed", message: "\(request.method) is not allowed here; use GET or HEAD")
            response.headers.add("Allow", "GET, HEAD")
            return .response(response)
        }
        let resolution: PathConfinement.Resolution
        var entry: EmbeddedFiles.Entry?
        if let embedded {
            (resolution, entry) = embedded.resolve(request.path)
        } else if let confinement {
            resolution = confinement.resolve(request.path)
        } else {
            resolution = .notFound
        }
        switch resolution {
        case .malformed(let why):
            return .response(.error(.badRequest, code: "malformed_path", message: why))
        case .notFound:
            return .response(Self.notFound)
        case .redirect(let location):
            var response = HTTPResponse(status: .movedPermanently, headers: ["Content-Type": "text/plain; charset=utf-8"])
            let query = request.target.firstIndex(of: "?").map { String(request.target[$0...]) } ?? ""
            response.headers.add("Location", location + query)
            return .response(response)
        case .file(let absolute, let relative):
            guard let (bytes, etag) = entry.map({ ($0.bytes, $0.etag) }) ?? Self.read(absolute) else {
                return .response(Self.notFound)
            }
            return .file(File(relativePath: relative, contentType: MediaTypes.type(forPath: relative), etag: etag, bytes: bytes))
        }
    }

    /// A plain file response: 304 when the client's `If-None-Match` matches.
    public func response(for file: File, request: HTTPRequest) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": file.contentType, "ETag": file.etag]
        if MediaTypes.isHTML(file.contentType) { headers.add("Cache-Control", "no-cache") }
        if let tags = request.headers["If-None-Match"], Self.matches(tags, file.etag) {
            // 304 carries no body; Content-Length is the representation's, as RFC 9110 allows.
            var response = HTTPResponse(status: .notModified, headers: headers, body: [])
            response.body = file.bytes
            return response
        }
        return HTTPResponse(status: .ok, headers: headers, body: file.bytes)
    }

    static let notFound = HTTPResponse.error(.notFound, code: "not_found", message: "no such file")

    /// Weak comparison of an `If-None-Match` list with our tag.
    static func matches(_ list: String, _ etag: String) -> Bool {
        let ours = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        for item in list.split(separator: ",") {
            var tag = String(item).trimmingOWS()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = String(tag.dropFirst(2)) }
            if tag == ours { return true }
        }
        return false
    }

    /// Contents and a validator made of inode, size and modification time.
    static func read(_ path: String) -> (bytes: [UInt8], etag: String)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, size - offset) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            offset += got
        }
        if offset < size { bytes.removeLast(size - offset) }
        let mtime = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let etag = "\"\(String(info.st_ino, radix: 16))-\(String(size, radix: 16))-\(String(mtime, radix: 16))\""
        return (bytes, etag)
    }
}
