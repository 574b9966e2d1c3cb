/// `Content-Type` by file extension; anything unknown is served as bytes.
public enum MediaTypes {
    static let byExtension: [String: String] = [
        "html": "text/html; charset=utf-8",
        "htm": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "json": "application/json",
        "svg": "image/svg+xml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "ico": "image/x-icon",
        "webp": "image/webp",
        "woff2": "font/woff2",
        "wasm": "application/wasm",
        "txt": "text/plain; charset=utf-8",
    ]

    /// `MediaTypes.type(forPath: "a/b.css")` is `text/css; charset=utf-8`.
    public static func type(forPath path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        return byExtension[path[path.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }

    public static func isHTML(_ contentType: String) -> Bool { contentType.hasPrefix("text/html") }
}
