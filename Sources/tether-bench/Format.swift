/// Fixed-point text for numbers, without Foundation.
enum Format {
    /// `fixed(3.14159, 2)` → `3.14`.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e17 else { return String(value) }
        let whole = Int64(scaled)
        let integer = whole / Int64(scale)
        let fraction = whole % Int64(scale)
        var text = (value < 0 && whole != 0 ? "-" : "") + String(integer)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }

    /// Three significant digits or so: `0.0423`, `4.23`, `42.3`, `423`, `4230`.
    static func short(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 100 { return fixed(value, 0) }
        if magnitude >= 10 { return fixed(value, 1) }
        if magnitude >= 1 { return fixed(value, 2) }
        if magnitude >= 0.1 { return fixed(value, 3) }
        if magnitude >= 0.01 { return fixed(value, 4) }
        return fixed(value, 5)
    }

    /// `52345` → `52 345`.
    static func grouped(_ value: Double) -> String {
        let digits = Array(String(Int64(value.rounded())))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0, digits[index - 1] != "-" { out += " " }
            out.append(digit)
        }
        return out
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
