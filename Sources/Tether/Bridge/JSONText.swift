/// Writing JSON string literals by hand: used for every error body and by the layers above,
/// so that nothing a value holds can break out of its string (nor out of a `<script>`).
public enum JSONText {
    /// `"…"` with `"`, `\`, control characters, `<`, U+2028 and U+2029 escaped.
    public static func quote(_ string: String) -> String {
        var out = "\""
        out.reserveCapacity(string.utf8.count + 2)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if let escape = scriptBreakerEscape(scalar) {
                    out += escape
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u00" + hexByte(UInt8(scalar.value))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// JSON text (an encoder's output) with `<`, U+2028 and U+2029 escaped. In JSON these occur
    /// only inside strings, where the escapes mean the same; outside JSON they could end a
    /// `<script>` or a line of JavaScript.
    package static func escapingScriptBreakers(in json: String) -> String {
        guard json.unicodeScalars.contains(where: { scriptBreakerEscape($0) != nil }) else { return json }
        var out = ""
        out.reserveCapacity(json.utf8.count + 16)
        for scalar in json.unicodeScalars {
            if let escape = scriptBreakerEscape(scalar) { out += escape } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    private static func scriptBreakerEscape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "<": "\\u003c"
        case "\u{2028}": "\\u2028"
        case "\u{2029}": "\\u2029"
        default: nil
        }
    }

    private static let digits = Array("0123456789abcdef")

    private static func hexByte(_ byte: UInt8) -> String {
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
