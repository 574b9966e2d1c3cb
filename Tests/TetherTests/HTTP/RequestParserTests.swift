import XCTest
@testable import TetherHTTP
import TetherBridge

final class RequestParserTests: XCTestCase {
    // MARK: Helpers

    private func configuration(_ change: (inout HTTPConfiguration) -> Void = { _ in }) -> HTTPConfiguration {
        var configuration = HTTPConfiguration()
        change(&configuration)
        return configuration
    }

    /// Parses the whole text at once.
    private func parse(_ bytes: [UInt8], _ configuration: HTTPConfiguration = HTTPConfiguration())
        -> Result<RequestParser.Head?, RequestParseError> {
        var parser = RequestParser(configuration: configuration)
        return Result { () throws(RequestParseError) in try parser.parse(bytes) }
    }

    private func parse(_ text: String, _ configuration: HTTPConfiguration = HTTPConfiguration())
        -> Result<RequestParser.Head?, RequestParseError> {
        parse(Array(text.utf8), configuration)
    }

    /// Feeds one byte more each call, as a slow client does; the first head or error wins.
    /// `headAt` is how many bytes were in the buffer when the head was complete.
    private func parseByteByByte(_ bytes: [UInt8], _ configuration: HTTPConfiguration = HTTPConfiguration())
        -> (result: Result<RequestParser.Head?, RequestParseError>, headAt: Int) {
        var parser = RequestParser(configuration: configuration)
        var buffer: [UInt8] = []
        for byte in bytes {
            buffer.append(byte)
            do {
                if let head = try parser.parse(buffer) { return (.success(head), buffer.count) }
            } catch {
                return (.failure(error), buffer.count)
            }
        }
        return (.success(nil), buffer.count)
    }

    private func head(_ text: String, _ configuration: HTTPConfiguration = HTTPConfiguration(),
                      file: StaticString = #filePath, line: UInt = #line) -> RequestParser.Head? {
        switch parse(text, configuration) {
        case .success(let head):
            XCTAssertNotNil(head, "expected a complete head", file: file, line: line)
            return head
        case .failure(let error):
            XCTFail("expected a head, got \(error)", file: file, line: line)
            return nil
        }
    }

    private func error(_ bytes: [UInt8], _ configuration: HTTPConfiguration = HTTPConfiguration(),
                       file: StaticString = #filePath, line: UInt = #line) -> RequestParseError? {
        switch parse(bytes, configuration) {
        case .success(let head):
            XCTFail("expected a refusal, got \(String(describing: head))", file: file, line: line)
            return nil
        case .failure(let error):
            return error
        }
    }

    private func error(_ text: String, _ configuration: HTTPConfiguration = HTTPConfiguration(),
                       file: StaticString = #filePath, line: UInt = #line) -> RequestParseError? {
        error(Array(text.utf8), configuration, file: file, line: line)
    }

    /// The request refused as `.malformed` (400), whatever the reason text.
    private func assertMalformed(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error(bytes, file: file, line: line) else { return }
        guard case .malformed = error else {
            XCTFail("expected malformed for \(String(decoding: bytes, as: UTF8.self).debugDescription), got \(error)",
                    file: file, line: line)
            return
        }
        XCTAssertEqual(error.status.code, 400, file: file, line: line)
    }

    private func assertMalformed(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        assertMalformed(Array(text.utf8), file: file, line: line)
    }

    // MARK: Valid requests

    func testSimpleGetGivesMethodTargetVersionFieldsAndLength() {
        let text = "GET /a/b.html?x=1 HTTP/1.1\r\nHost: example\r\nAccept: */*\r\nX-Empty:\r\n\r\n"
        guard let head = head(text) else { return }
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.target, "/a/b.html?x=1")
        XCTAssertEqual(head.version, "HTTP/1.1")
        XCTAssertEqual(head.fields, [
            .init(name: "Host", value: "example"),
            .init(name: "Accept", value: "*/*"),
            .init(name: "X-Empty", value: ""),
        ])
        XCTAssertEqual(head.contentLength, 0)
        XCTAssertEqual(head.length, text.utf8.count)
    }

    func testHeaderValuesLoseSurroundingSpacesAndTabs() {
        guard let head = head("GET / HTTP/1.1\r\nHost: \t example \t\r\nX-A:b c\r\n\r\n") else { return }
        XCTAssertEqual(head.fields, [.init(name: "Host", value: "example"), .init(name: "X-A", value: "b c")])
    }

    func testHTTP10WithoutHostIsAccepted() {
        guard let head = head("GET /old HTTP/1.0\r\n\r\n") else { return }
        XCTAssertEqual(head.version, "HTTP/1.0")
        XCTAssertEqual(head.target, "/old")
        XCTAssertEqual(head.fields, [])
        XCTAssertEqual(head.length, 21)
    }

    func testLeadingEmptyLinesBeforeTheRequestLineAreSkipped() {
        let text = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        guard let head = head(text) else { return }
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.target, "/")
        // The length counts the skipped lines too: the connection drops all of it.
        XCTAssertEqual(head.length, text.utf8.count)
    }

    func testContentLengthIsReportedAndTheBodyIsNotPartOfTheHead() {
        let headText = "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
        guard let head = head(headText + "hello") else { return }
        XCTAssertEqual(head.contentLength, 5)
        XCTAssertEqual(head.length, headText.utf8.count)
    }

    func testEqualDuplicateContentLengthsAreAccepted() {
        let head = head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n")
        XCTAssertEqual(head?.contentLength, 3)
    }

    func testIncompleteHeadGivesNilUntilTheBlankLineArrives() {
        var parser = RequestParser(configuration: HTTPConfiguration())
        var buffer = Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)
        XCTAssertEqual(try parser.parse(buffer), nil)
        buffer += Array("\r".utf8)
        XCTAssertEqual(try parser.parse(buffer), nil)
        buffer += Array("\n".utf8)
        XCTAssertEqual(try parser.parse(buffer)?.target, "/")
    }

    func testByteByByteParsingGivesTheSameHeadAsOneRead() {
        let requests = [
            "GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: test\r\nAccept: text/html\r\n\r\n",
            "\r\n\r\nPOST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "\r\nHEAD /a%20b HTTP/1.0\r\nX: \r\n\r\n",
        ]
        for text in requests {
            let bytes = Array(text.utf8)
            guard case .success(let whole?) = parse(bytes) else {
                XCTFail("one read did not parse \(text.debugDescription)")
                continue
            }
            let (result, headAt) = parseByteByByte(bytes)
            guard case .success(let incremental?) = result else {
                XCTFail("byte by byte did not parse \(text.debugDescription): \(result)")
                continue
            }
            XCTAssertEqual(incremental, whole, text.debugDescription)
            XCTAssertEqual(headAt, whole.length, "the head was complete only with its last byte")
        }
    }

    func testResetLetsTheParserReadThePipelinedNextRequest() throws {
        var parser = RequestParser(configuration: HTTPConfiguration())
        var buffer = Array("GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let first = try XCTUnwrap(try parser.parse(buffer))
        XCTAssertEqual(first.target, "/one")
        buffer.removeFirst(first.length)
        parser.reset()
        let second = try XCTUnwrap(try parser.parse(buffer))
        XCTAssertEqual(second.target, "/two")
        XCTAssertEqual(second.length, buffer.count)
    }

    // MARK: Size limits

    func testRequestLineOverTheLimitIsRefusedBeforeTheLineEnds() {
        let configuration = configuration { $0.maxRequestLineBytes = 64 }
        // No CRLF at all: the parser must not wait for the end of an endless line.
        let line = "GET /" + String(repeating: "a", count: 60)
        XCTAssertEqual(line.utf8.count, 65)
        XCTAssertEqual(error(line, configuration), .requestLineTooLong(limit: 64))
        XCTAssertEqual(RequestParseError.requestLineTooLong(limit: 64).status.code, 414)
    }

    func testRequestLineOverTheLimitIsRefusedWhenItEnds() {
        let configuration = configuration { $0.maxRequestLineBytes = 64 }
        let line = "GET /" + String(repeating: "a", count: 51) + " HTTP/1.1"  // 65 bytes
        XCTAssertEqual(error(line + "\r\nHost: a\r\n\r\n", configuration), .requestLineTooLong(limit: 64))
    }

    func testRequestLineOverDefault8KiBIsRequestLineTooLong() {
        let line = "GET /" + String(repeating: "a", count: 8 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        XCTAssertEqual(error(line), .requestLineTooLong(limit: 8192))
    }

    func testRequestLineOfExactlyTheLimitIsAcceptedHoweverTheBytesArrive() {
        let configuration = configuration { $0.maxRequestLineBytes = 64 }
        let line = "GET /" + String(repeating: "a", count: 50) + " HTTP/1.1"
        XCTAssertEqual(line.utf8.count, 64)
        let bytes = Array((line + "\r\nHost: a\r\n\r\n").utf8)
        guard case .success(let whole?) = parse(bytes, configuration) else {
            return XCTFail("one read refused a request line of exactly the limit")
        }
        // A read that ends between the line's CR and LF must not change the answer.
        let (result, _) = parseByteByByte(bytes, configuration)
        XCTAssertEqual(try result.get(), whole)
    }

    func testUnterminatedRequestLineAtTheLimitWaitsForMore() {
        let configuration = configuration { $0.maxRequestLineBytes = 64 }
        let line = "GET /" + String(repeating: "a", count: 59)  // 64 bytes, may still end here
        XCTAssertEqual(try parse(line, configuration).get(), nil)
    }

    func testHeaderBlockOverTheLimitIsRefusedBeforeItEnds() {
        let configuration = configuration { $0.maxHeaderBytes = 256 }
        let text = "GET / HTTP/1.1\r\nHost: a\r\nX-Fill: " + String(repeating: "b", count: 300)
        let refused = error(text, configuration)
        XCTAssertEqual(refused, .headersTooLarge(limit: 256))
        XCTAssertEqual(refused?.status.code, 431)
    }

    func testHeaderBlockOverDefault32KiBIsHeadersTooLarge() {
        var text = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<40 { text += "X-Fill-\(i): \(String(repeating: "c", count: 1000))\r\n" }
        text += "\r\n"
        XCTAssertEqual(error(text), .headersTooLarge(limit: 32 * 1024))
    }

    func testHeaderBlockOfExactlyTheLimitIsAcceptedHoweverTheBytesArrive() {
        let configuration = configuration { $0.maxHeaderBytes = 64 }
        // The block counted is from the request line's CRLF up to the blank line: 2 + "Host: a" + 2 + X-Fill line.
        let fill = "X-Fill: " + String(repeating: "d", count: 64 - 2 - 7 - 2 - 8)
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\(fill)\r\n\r\n".utf8)
        guard case .success(let whole?) = parse(bytes, configuration) else {
            return XCTFail("one read refused a header block of exactly the limit")
        }
        // One byte more is refused, so this really is the limit.
        let over = Array("GET / HTTP/1.1\r\nHost: a\r\n\(fill)d\r\n\r\n".utf8)
        XCTAssertEqual(error(over, configuration), .headersTooLarge(limit: 64))
        // A read that ends inside the final CRLF CRLF must not change the answer.
        let (result, _) = parseByteByByte(bytes, configuration)
        XCTAssertEqual(try result.get(), whole)
    }

    func testMoreThanMaxHeaderCountFieldsIsTooManyHeaders() {
        var text = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<100 { text += "X-\(i): v\r\n" }  // 101 fields with Host
        text += "\r\n"
        let refused = error(text)
        XCTAssertEqual(refused, .tooManyHeaders(limit: 100))
        XCTAssertEqual(refused?.status.code, 431)
    }

    func testExactlyMaxHeaderCountFieldsIsAccepted() {
        var text = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<99 { text += "X-\(i): v\r\n" }
        text += "\r\n"
        XCTAssertEqual(head(text)?.fields.count, 100)
    }

    func testContentLengthOverMaxBodyIsBodyTooLarge() {
        let configuration = configuration { $0.maxBodyBytes = 1000 }
        let refused = error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", configuration)
        XCTAssertEqual(refused, .bodyTooLarge(length: 1001, limit: 1000))
        XCTAssertEqual(refused?.status.code, 413)
        XCTAssertEqual(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n", configuration)?.contentLength, 1000)
    }

    // MARK: Malformed requests

    func testMalformedRequestLinesAreBadRequest() {
        let lines = [
            "GET /",  // no version
            "GET / HTTP/1.1 extra",  // four parts
            "GET  / HTTP/1.1",  // two spaces
            " / HTTP/1.1",  // empty method
            "GET  HTTP/1.1",  // empty target
            "G(T / HTTP/1.1",  // method not a token
            "GET index.html HTTP/1.1",  // target not starting with '/'
            "GET http://example/ HTTP/1.1",  // absolute form is not served
            "GET / http/1.1",  // version case
            "GET / HTTP/1.1x",
            "GET / HTTP/3",
            "GET\t/ HTTP/1.1",
            "hello",
        ]
        for line in lines { assertMalformed(line + "\r\nHost: a\r\n\r\n") }
    }

    func testNonASCIIGarbageInTheRequestLineIsMalformed() {
        let prefix = Array("GET /".utf8), suffix = Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        assertMalformed(prefix + [0xC3, 0xA9] + suffix)  // é in the target
        assertMalformed(prefix + [0xFF, 0xFE, 0x00] + suffix)
        assertMalformed(prefix + [0x7F] + suffix)  // DEL
        assertMalformed([0xC3, 0x89] + Array("T / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))  // in the method
        assertMalformed([0x16, 0x03, 0x01, 0x02, 0x00] + Array(" / HTTP/1.1\r\n\r\n".utf8))  // a TLS hello's first bytes
    }

    func testHeaderLineWithoutColonIsMalformed() {
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n")
    }

    func testSpaceBeforeTheColonIsMalformed() {
        // RFC 9112 5.1: a server must reject whitespace between the field name and the colon.
        assertMalformed("GET / HTTP/1.1\r\nHost : a\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n")
    }

    func testObsoleteLineFoldingIsMalformed() {
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n\ttwo\r\n\r\n")
    }

    func testEmptyHeaderNameAndControlBytesInValuesAreMalformed() {
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\n: value\r\n\r\n")
        assertMalformed(Array("GET / HTTP/1.1\r\nHost: a\r\nX-A: b".utf8) + [0] + Array("c\r\n\r\n".utf8))
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\nInjected: c\r\n\r\n")  // bare LF
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n")  // bare CR
    }

    func testBadContentLengthIsMalformed() {
        let values = ["abc", "-1", "+5", "5a", "0x10", "", "1 2", "1,1", "99999999999999999999"]
        for value in values {
            assertMalformed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\n")
        }
    }

    func testConflictingDuplicateContentLengthsAreMalformed() {
        // Two lengths are the classic request-smuggling vector: never pick one.
        assertMalformed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
    }

    func testHTTP11WithoutHostIsMalformed() {
        assertMalformed("GET / HTTP/1.1\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")
    }

    func testTwoHostFieldsAreMalformed() {
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    }

    func testHTTP2VersionIsVersionNotSupported() {
        let refused = error("GET / HTTP/2.0\r\nHost: a\r\n\r\n")
        XCTAssertEqual(refused, .versionNotSupported("HTTP/2.0"))
        XCTAssertEqual(refused?.status.code, 505)
        XCTAssertEqual(error("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), .versionNotSupported("HTTP/0.9"))
    }

    func testTransferEncodingIsNotImplemented() {
        let refused = error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        XCTAssertEqual(refused, .transferEncodingNotSupported("chunked"))
        XCTAssertEqual(refused?.status.code, 501)
        // Whatever the case of the name, and also next to a Content-Length (smuggling).
        XCTAssertEqual(error("POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 3\r\ntransfer-encoding: gzip, chunked\r\n\r\n"),
                       .transferEncodingNotSupported("gzip, chunked"))
    }

    func testEveryRefusalIsAClosingJSONErrorResponse() {
        let errors: [(RequestParseError, Int)] = [
            (.requestLineTooLong(limit: 1), 414), (.headersTooLarge(limit: 1), 431), (.tooManyHeaders(limit: 1), 431),
            (.malformed("x"), 400), (.versionNotSupported("HTTP/2.0"), 505), (.bodyTooLarge(length: 2, limit: 1), 413),
            (.transferEncodingNotSupported("chunked"), 501), (.timedOut, 408),
        ]
        for (error, status) in errors {
            let response = HTTPErrorFormat.json.response(for: error)
            XCTAssertEqual(response.status.code, status, "\(error)")
            XCTAssertTrue(response.closesConnection, "\(error) must close the connection")
            XCTAssertEqual(response.headers["Content-Type"], "application/json")
            XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains("\"code\":\"\(error.code)\""))
        }
    }
}
