import TetherHTTP

/// Serves the page script at `_tether.js` under any folder (the page asks for it relative to
/// itself, as it posts to `_process_srv0`). The tag carries the script's hash (`?v=…`): with it
/// the file is cached for a year, since any other script has another address; without it the
/// browser revalidates with the ETag.
enum PageScriptFile {
    static let name = "_tether.js"

    /// The hash of the script, in its address and its ETag.
    static let version: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: a content tag, not a secret
        for byte in PageScript.source.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }()

    /// What the page's `<script src>` says.
    static let address = name + "?v=" + version

    private static let body = Array(PageScript.source.utf8)
    private static let etag = "\"" + version + "\""

    /// The Bridge's route for `name` (behind a GET/HEAD check): answered on the I/O thread.
    struct Handler: BridgeHandler {
        func handle(_ request: HTTPRequest, responder: any HTTPResponder) throws {
            responder.send(PageScriptFile.response(for: request))
        }
    }

    static func response(for request: HTTPRequest) -> HTTPResponse {
        let versioned = request.target.hasSuffix("?v=" + version)
        var headers: HTTPHeaders = [
            "ETag": etag,
            "Cache-Control": versioned ? "public, max-age=31536000, immutable" : "no-cache",
        ]
        if let tags = request.headers["If-None-Match"], tags.split(separator: ",").contains(where: { String($0).trimmingOWS() == etag }) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.add("Content-Type", "text/javascript; charset=utf-8")
        headers.add("X-Content-Type-Options", "nosniff")
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }
}
