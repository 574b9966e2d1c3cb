#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Serves regular files under a root with `GET` and `HEAD`: confined paths, media types,
/// `ETag`/`If-None-Match`, single `Range` requests, `Cache-Control: no-cache` on HTML, no
/// directory listings. A file on disk is sent as an open descriptor and a region of it, never
/// read here; a missing file is a small HTML page for browsers and an error in `errorFormat`
/// for the rest. The root is a directory, or pages compiled into the binary (`EmbeddedFiles`).
public struct StaticFiles: HTTPHandler {
    /// The directory served; nil when the pages are embedded.
    public let confinement: PathConfinement?
    /// The pages served from memory; nil when they come from a directory.
    public let embedded: EmbeddedFiles?
    /// How refusals are written when this answers requests itself (`respond(to:)`).
    public let errorFormat: HTTPErrorFormat
    private let log: Log
    private let descriptorAlarm = DescriptorAlarm()

    /// A file found for a request, ready to send or to change (the Bridge injects its script into HTML).
    public struct File: Sendable {
        public let relativePath: String
        public let contentType: String
        public let etag: String
        public let source: Source

        /// Where a file's bytes are.
        public enum Source: Sendable {
            /// A file on disk, opened for this request.
            case disk(OpenFile)
            /// A page compiled into the binary.
            case memory([UInt8])
        }

        /// The whole file, read now.
        public var bytes: [UInt8] {
            switch source {
            case .disk(let opened): opened.all.read()
            case .memory(let bytes): bytes
            }
        }

        var size: Int {
            switch source {
            case .disk(let opened): opened.size
            case .memory(let bytes): bytes.count
            }
        }

        /// `length` bytes from `offset` as a response carries them.
        func body(offset: Int, length: Int) -> (body: [UInt8], file: FileRegion?) {
            switch source {
            case .disk(let opened): ([], FileRegion(file: opened, offset: offset, length: length))
            case .memory(let bytes): (Array(bytes[offset..<(offset + length)]), nil)
            }
        }
    }

    public enum Lookup: Sendable {
        case file(File)
        /// A response to send as it is: a redirect, or the HTML "not found" page for a browser.
        case response(HTTPResponse)
        /// A refusal, for the caller to write in its own error format.
        case refused(HTTPError)
    }

    public init(root: String, errorFormat: HTTPErrorFormat = .plainText, log: Log = Log()) throws(StaticFilesError) {
        confinement = try PathConfinement(root: root)
        embedded = nil
        self.errorFormat = errorFormat
        self.log = log
    }

    public init(embedded files: EmbeddedFiles, errorFormat: HTTPErrorFormat = .plainText, log: Log = Log()) throws(StaticFilesError) {
        if let path = files.undecodable.first { throw .undecodable(path) }
        confinement = nil
        embedded = files
        self.errorFormat = errorFormat
        self.log = log
    }

    /// True when `page` (`index.html`, `kiosk/index.html`) is a file this serves.
    public func contains(page: String) -> Bool {
        if let embedded { return embedded.entries[page] != nil }
        guard let confinement else { return false }
        if case .file = confinement.resolve(Substring(page)) { return true }
        return false
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        do throws(HTTPError) {
            switch lookup(request) {
            case .response(let response): return response
            case .refused(let error): throw error
            case .file(let file): return try response(for: file, request: request)
            }
        } catch {
            return errorFormat.response(for: error)
        }
    }

    /// Resolves and opens the file a GET or HEAD names, or gives the refusal to send.
    public func lookup(_ request: HTTPRequest) -> Lookup {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .refused(HTTPError(.methodNotAllowed, code: "method_not_allowed",
                                      message: "\(request.method) is not allowed here; use GET or HEAD", headers: ["Allow": "GET, HEAD"]))
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
            return .refused(HTTPError(.badRequest, code: "malformed_path", message: why))
        case .notFound:
            return Self.notFound(for: request)
        case .redirect(let location):
            var response = HTTPResponse(status: .movedPermanently, headers: ["Content-Type": "text/plain; charset=utf-8"])
            let query = request.target.firstIndex(of: "?").map { String(request.target[$0...]) } ?? ""
            response.headers.add("Location", location + query)
            return .response(response)
        case .file(let absolute, let relative):
            let contentType = MediaTypes.type(forPath: relative)
            if let entry {
                return .file(File(relativePath: relative, contentType: contentType, etag: entry.etag, source: .memory(entry.bytes)))
            }
            do throws(OpenFile.OpenError) {
                let opened = try OpenFile(path: absolute)
                return .file(File(relativePath: relative, contentType: contentType, etag: opened.etag, source: .disk(opened)))
            } catch {
                guard case .outOfDescriptors(let code) = error else { return Self.notFound(for: request) }
                descriptorAlarm.report(errno: code, log: log)
                return .refused(HTTPError(
                    .serviceUnavailable, code: "out_of_descriptors",
                    message: "the server cannot open more files right now (\(SocketError.system(call: "open", errno: code))); try again shortly"))
            }
        }
    }

    /// The response for an opened file: 304 when `If-None-Match` matches, 206 or 416 for a
    /// `Range` (GET only; honoured only when `If-Range`, if sent, is our ETag), else 200.
    public func response(for file: File, request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        let cacheControl: HTTPHeaders = MediaTypes.isHTML(file.contentType) ? ["Cache-Control": "no-cache"] : [:]
        let whole = file.body(offset: 0, length: file.size)
        if let tags = request.headers["If-None-Match"], Self.matches(tags, file.etag) {
            // 304 carries no body and no representation metadata but its validator (RFC 9110
            // §15.4.5); Content-Length is the representation's, as §8.6 allows.
            var headers: HTTPHeaders = ["ETag": file.etag]
            for field in cacheControl { headers.add(field.name, field.value) }
            return HTTPResponse(status: .notModified, headers: headers, body: whole.body, file: whole.file)
        }
        var headers: HTTPHeaders = ["Content-Type": file.contentType, "ETag": file.etag, "Accept-Ranges": "bytes"]
        for field in cacheControl { headers.add(field.name, field.value) }
        if request.method == "GET", let range = request.headers["Range"], Self.ifRangeHolds(request, file.etag) {
            switch ByteRange.parse(range, size: file.size) {
            case .whole:
                break
            case .range(let first, let last):
                headers.add("Content-Range", "bytes \(first)-\(last)/\(file.size)")
                let part = file.body(offset: first, length: last - first + 1)
                return HTTPResponse(status: .partialContent, headers: headers, body: part.body, file: part.file)
            case .unsatisfiable:
                throw HTTPError(.rangeNotSatisfiable, code: "range_not_satisfiable",
                                message: "the range '\(range)' lies outside the file's \(file.size) bytes",
                                headers: ["Content-Range": "bytes */\(file.size)"])
            }
        }
        return HTTPResponse(status: .ok, headers: headers, body: whole.body, file: whole.file)
    }

    /// `If-Range` absent, or naming our (strong) ETag; a date never matches, since we send no `Last-Modified`.
    private static func ifRangeHolds(_ request: HTTPRequest, _ etag: String) -> Bool {
        guard let condition = request.headers["If-Range"] else { return true }
        return condition.trimmingOWS() == etag
    }

    static let notFound = HTTPError(.notFound, code: "not_found", message: "no such file")

    static let notFoundHTML = HTTPResponse(
        status: .notFound, headers: ["Content-Type": "text/html; charset=utf-8"],
        body: Array(("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>"
            + "<body><h1>Not found</h1><p>There is no page at this address.</p></body></html>\n").utf8))

    /// A small HTML page for a browser that asked for HTML; the error for everyone else.
    static func notFound(for request: HTTPRequest) -> Lookup {
        prefersHTML(request.headers["Accept"]) ? .response(notFoundHTML) : .refused(notFound)
    }

    /// Whether an `Accept` list names `text/html` (browsers' navigations do) with a nonzero q.
    static func prefersHTML(_ accept: String?) -> Bool {
        guard let accept else { return false }
        for item in accept.split(separator: ",") {
            let parts = item.split(separator: ";").map { String($0).trimmingOWS() }
            guard let type = parts.first, type.equalsIgnoringASCIICase("text/html") else { continue }
            let refused = parts.dropFirst().contains { parameter in
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingOWS() }
                return pair.count == 2 && pair[0].equalsIgnoringASCIICase("q") && (Double(pair[1]) ?? 1) == 0
            }
            return !refused
        }
        return false
    }

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
}

/// Logs running out of descriptors once per second at most, with how often it happened
/// meanwhile: one clear line, not one per request in a flood.
final class DescriptorAlarm: Sendable {
    private let state = Mutex<(lastSecond: Int, suppressed: Int)>((-1, 0))

    func report(errno code: Int32, log: Log) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let second = Int(now.tv_sec)
        let suppressed = state.withLock { state -> Int? in
            guard state.lastSecond != second else {
                state.suppressed += 1
                return nil
            }
            defer { state = (second, 0) }
            return state.suppressed
        }
        guard let suppressed else { return }
        let more = suppressed > 0 ? " (\(suppressed) more since the last report)" : ""
        log.error("cannot open files: \(SocketError.system(call: "open", errno: code)); answering 503 until descriptors free up;"
            + " raise LimitNOFILE (ulimit -n) or lower maxConnections\(more)")
    }
}
