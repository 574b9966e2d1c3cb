#if canImport(Glibc)
import Glibc
#endif

/// Serves regular files under a root with `GET` and `HEAD`: confined paths, media types,
/// `ETag`/`If-None-Match`, `Cache-Control: no-cache` on HTML, no directory listings.
public struct StaticFiles: HTTPHandler {
    public let confinement: PathConfinement

    /// A file opened for sending (streamed, never read whole), or for reading to change it
    /// (the Bridge injects its script into HTML).
    public struct File: Sendable {
        public let relativePath: String
        public let contentType: String
        public let etag: String
        public let region: FileRegion
        /// The whole file in memory: for small files that are changed before sending.
        public var bytes: [UInt8] { region.readAll() ?? [] }
    }

    public enum Lookup: Sendable {
        case file(File)
        case response(HTTPResponse)
    }

    public init(root: String) throws(StaticFilesError) {
        confinement = try PathConfinement(root: root)
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
        switch confinement.resolve(request.path) {
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
            guard let (region, etag) = Self.open(absolute) else { return .response(Self.notFound) }
            return .file(File(relativePath: relative, contentType: MediaTypes.type(forPath: relative), etag: etag, region: region))
        }
    }

    /// A plain file response: 304 when the client's `If-None-Match` matches.
    public func response(for file: File, request: HTTPRequest) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": file.contentType, "ETag": file.etag]
        if MediaTypes.isHTML(file.contentType) { headers.add("Cache-Control", "no-cache") }
        if let tags = request.headers["If-None-Match"], Self.matches(tags, file.etag) {
            // 304 carries no body; Content-Length is the representation's, as RFC 9110 allows.
            return HTTPResponse(status: .notModified, headers: headers, file: file.region)
        }
        return HTTPResponse(status: .ok, headers: headers, file: file.region)
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

    /// The open file and a validator made of inode, size and modification time.
    static func open(_ path: String) -> (region: FileRegion, etag: String)? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        let size = Int(info.st_size)
        let mtime = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let etag = "\"\(String(info.st_ino, radix: 16))-\(String(size, radix: 16))-\(String(mtime, radix: 16))\""
        return (FileRegion(descriptor: fd, offset: 0, length: size), etag)
    }
}
