// libFuzzer entry for the HTTP request parser, compiled by .ci/fuzz together with the
// sources of Sources/Tether/HTTP (one module), with -sanitize=fuzzer,address.
// Besides "no crash", it checks properties: the same bytes parse to the same head whether
// they arrive at once or in two pieces, and a head never claims more than it was given.

@_cdecl("LLVMFuzzerTestOneInput")
public func requestParserFuzzer(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    var configuration = HTTPConfiguration()
    configuration.maxRequestLineBytes = 256
    configuration.maxHeaderBytes = 1024
    configuration.maxHeaderCount = 16
    configuration.maxBodyBytes = 4096

    let whole = parseAll(bytes, configuration: configuration, split: nil)
    // The first byte chooses where the stream is cut in two, as a slow client would send it.
    let split = Int(bytes[0]) % (bytes.count + 1)
    let pieces = parseAll(bytes, configuration: configuration, split: split)
    if whole != pieces { fatalError("whole \(String(describing: whole)) but in two pieces \(String(describing: pieces))") }
    if case .head(let head)? = whole {
        precondition(head.length <= bytes.count, "head longer than the input")
        precondition(head.contentLength <= configuration.maxBodyBytes, "body over the limit accepted")
        precondition(!head.method.isEmpty && (head.target.hasPrefix("/") || head.target == "*"))
        _ = PathConfinement.percentDecode(head.target[...])
    }
    return 0
}

enum Outcome: Equatable {
    case head(RequestParser.Head)
    case refused(RequestParseError)
}

/// Parses, feeding the bytes whole or in two pieces; nil while incomplete.
func parseAll(_ bytes: [UInt8], configuration: HTTPConfiguration, split: Int?) -> Outcome? {
    var parser = RequestParser(configuration: configuration)
    var buffer: [UInt8] = []
    let cuts = split.map { [$0, bytes.count] } ?? [bytes.count]
    var from = 0
    for cut in cuts {
        buffer.append(contentsOf: bytes[from..<cut])
        from = cut
        do {
            if let head = try parser.parse(buffer) { return .head(head) }
        } catch {
            return .refused(error)
        }
    }
    return nil
}
