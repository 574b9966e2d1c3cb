import TetherHTTP
import TetherSupport

/// Puts the page script's two tags into an HTML document once: its configuration, a JSON block
/// (data, which a Content-Security-Policy does not block), and the script file itself
/// (`PageScriptFile`). Before `</head>`, else right after the `<body…>` tag, else at the very
/// start. The document itself is never duplicated or reordered.
enum ScriptInjection {
    static func inject(into html: [UInt8], session: String, names: ExposedNames, reportErrors: Bool = true,
                       pollHold: Duration = BridgeConfiguration().pollHold) -> [UInt8] {
        let tag = Array(scriptTag(session: session, names: names, reportErrors: reportErrors, pollHold: pollHold).utf8)
        var out = html
        if let head = find(Array("</head".utf8), in: html) {
            out.insert(contentsOf: tag, at: head)
        } else if let body = find(Array("<body".utf8), in: html), let close = html[body...].firstIndex(of: UInt8(ascii: ">")) {
            out.insert(contentsOf: tag, at: close + 1)
        } else {
            out.insert(contentsOf: tag, at: 0)
        }
        return out
    }

    /// The id the page script finds its configuration by.
    static let configID = "tether-config"

    static func scriptTag(session: String, names: ExposedNames, reportErrors: Bool = true,
                          pollHold: Duration = BridgeConfiguration().pollHold) -> String {
        let config = ProtocolCodec.encode(
            PageScriptConfig(session: session, names: names, reportErrors: reportErrors, pollHold: pollHold))
        return "<script type=\"application/json\" id=\"\(configID)\">" + config + "</script>\n"
            + "<script src=\"" + PageScriptFile.address + "\"></script>\n"
    }

    /// First index of the tag start `needle` in `haystack`, ASCII case-insensitively. The tag
    /// name must end there (whitespace, `/` or `>` follows): `</head` is not `</header>`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count > needle.count else { return nil }
        outer: for start in 0..<(haystack.count - needle.count) {
            for offset in 0..<needle.count {
                var byte = haystack[start + offset]
                if byte >= 65 && byte <= 90 { byte += 32 }
                if byte != needle[offset] { continue outer }
            }
            switch haystack[start + needle.count] {
            case 9, 10, 12, 13, 32, UInt8(ascii: "/"), UInt8(ascii: ">"): return start
            default: continue outer
            }
        }
        return nil
    }
}
