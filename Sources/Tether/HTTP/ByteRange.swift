/// A `Range` request header (RFC 9110 §14.2), for one range only: several ranges are served
/// as the whole file (200), which RFC 9110 allows, rather than as `multipart/byteranges`.
enum ByteRange: Equatable {
    /// Serve the whole representation: no usable single `bytes` range.
    case whole
    /// First and last byte, inclusive.
    case range(first: Int, last: Int)
    /// No byte of the representation is in the range: 416.
    case unsatisfiable

    static func parse(_ header: String, size: Int) -> ByteRange {
        let value = header.trimmingOWS()
        guard value.count > 6, value.prefix(6).lowercased() == "bytes=" else { return .whole }
        let spec = String(value.dropFirst(6)).trimmingOWS()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let firstText = spec[..<dash], lastText = spec[spec.index(after: dash)...]
        guard firstText.utf8.allSatisfy(isDigit), lastText.utf8.allSatisfy(isDigit) else { return .whole }
        if firstText.isEmpty {
            guard !lastText.isEmpty else { return .whole }
            // Suffix: the last N bytes.
            let count = Int(lastText) ?? Int.max  // more digits than Int holds: more than any file
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .range(first: max(0, size - count), last: size - 1)
        }
        guard let first = Int(firstText) else { return .unsatisfiable }  // beyond any file
        var last = size - 1
        if !lastText.isEmpty {
            let given = Int(lastText) ?? Int.max
            guard given >= first else { return .whole }  // invalid, so ignored (§14.1.1)
            last = min(given, size - 1)
        }
        return first < size ? .range(first: first, last: last) : .unsatisfiable
    }
}

private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
