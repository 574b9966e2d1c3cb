import Foundation
import XCTest
@testable import TetherBridge

final class ScriptInjectionTests: XCTestCase {
    private let names = ExposedNames(methods: ["add", "reset"], properties: ["count", "label"], settable: ["label"])
    private let session = "0123456789abcdef"

    private func inject(_ html: String, session: String? = nil, names: ExposedNames? = nil) -> String {
        let bytes = ScriptInjection.inject(into: Array(html.utf8), session: session ?? self.session, names: names ?? self.names)
        return String(decoding: bytes, as: UTF8.self)
    }

    private var tag: String { ScriptInjection.scriptTag(session: session, names: names) }

    private func occurrences(of needle: String, in text: String) -> Int {
        text.lowercased().components(separatedBy: needle.lowercased()).count - 1
    }

    /// The JSON the script is configured with.
    private func config(in tag: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let open = #"<script type="application/json" id="tether-config">"#
        guard let start = tag.range(of: open), let end = tag.range(of: "</script>", range: start.upperBound..<tag.endIndex) else {
            XCTFail("no config in the script", file: file, line: line)
            return .null
        }
        return try JSONParser.parse(String(tag[start.upperBound..<end.lowerBound]))
    }

    // MARK: Where the script goes

    func testScriptGoesRightBeforeTheHeadEndTag() {
        let head = "<!doctype html><html><head><title>T</title>"
        let rest = "</head><body>hi</body></html>"
        XCTAssertEqual(inject(head + rest), head + tag + rest)
    }

    func testHeadEndTagIsFoundCaseInsensitively() {
        let head = "<HTML><HEAD><TITLE>T</TITLE>"
        let rest = "</HEAD><BODY>hi</BODY></HTML>"
        XCTAssertEqual(inject(head + rest), head + tag + rest)
        XCTAssertEqual(inject("<head></Head>"), "<head>" + tag + "</Head>")
    }

    func testHeadWinsOverBody() {
        let html = "<html><head></head><body class=\"x\">hi</body></html>"
        XCTAssertEqual(inject(html), "<html><head>" + tag + "</head><body class=\"x\">hi</body></html>")
    }

    func testWithoutHeadTheScriptGoesRightAfterTheBodyTag() {
        let start = "<html><body class=\"main\" data-x=\"1\">"
        let rest = "<p>hi</p></body></html>"
        XCTAssertEqual(inject(start + rest), start + tag + rest)
    }

    func testBodyTagIsFoundCaseInsensitively() {
        XCTAssertEqual(inject("<BODY>hi</BODY>"), "<BODY>" + tag + "hi</BODY>")
    }

    func testWithoutHeadOrBodyTheScriptGoesFirst() {
        XCTAssertEqual(inject("<p>just a fragment</p>"), tag + "<p>just a fragment</p>")
        XCTAssertEqual(inject(""), tag)
        XCTAssertEqual(inject("plain text"), tag + "plain text")
    }

    func testHeaderElementIsNotMistakenForHead() {
        let start = "<html><body>"
        let rest = "<header>Title</header><p>text</p></body></html>"
        XCTAssertEqual(inject(start + rest), start + tag + rest)
    }

    func testTagNameMustEndWhereTheSearchedNameEnds() {
        XCTAssertEqual(inject("<head-line>x</head-line><body\n id=\"b\">y</body>"),
                       "<head-line>x</head-line><body\n id=\"b\">" + tag + "y</body>")
        XCTAssertEqual(inject("<bodyguard>x</bodyguard>"), tag + "<bodyguard>x</bodyguard>")
    }

    func testHeadEndTagWithSpaceIsFound() {
        XCTAssertEqual(inject("<head><title>T</title></head ><body></body>"), "<head><title>T</title>" + tag + "</head ><body></body>")
    }

    func testUnclosedBodyTagPutsTheScriptFirst() {
        XCTAssertEqual(inject("text <body"), tag + "text <body")
    }

    // MARK: What is added

    func testTheConfigurationAndTheScriptFileAreAddedAndTheDocumentIsKept() {
        let documents = [
            "<html><head><script>var a = 1;</script></head><body><script>b()</script></body></html>",
            "<body onload=\"go()\"><p>é 😀</p></body>",
            "no markup at all",
            "",
        ]
        for html in documents {
            let out = inject(html)
            XCTAssertEqual(occurrences(of: "<script", in: out), occurrences(of: "<script", in: html) + 2, html)
            XCTAssertEqual(occurrences(of: "</script", in: out), occurrences(of: "</script", in: html) + 2, html)
            XCTAssertEqual(out.utf8.count, html.utf8.count + tag.utf8.count, html)
            // Taking the one script out gives back the document, byte for byte.
            guard let range = out.range(of: tag) else {
                XCTFail("the script tag is not in one piece: \(html)")
                continue
            }
            var without = out
            without.removeSubrange(range)
            XCTAssertEqual(without, html)
        }
    }

    func testNonUTF8BytesAreKept() {
        let html: [UInt8] = [0x3C, 0x62, 0x6F, 0x64, 0x79, 0x3E, 0xFF, 0xFE, 0x00, 0x3C, 0x2F, 0x62, 0x6F, 0x64, 0x79, 0x3E]
        let out = ScriptInjection.inject(into: html, session: session, names: names)
        XCTAssertEqual(out, Array(html[..<6]) + Array(tag.utf8) + Array(html[6...]))
    }

    func testTagIsAJSONBlockThenTheScriptFileWithNoInlineCode() {
        XCTAssertTrue(tag.hasPrefix(#"<script type="application/json" id="tether-config">{"#), tag)
        XCTAssertTrue(tag.hasSuffix("}</script>\n<script src=\"_tether.js?v=\(PageScriptFile.version)\"></script>\n"), tag)
        XCTAssertEqual(occurrences(of: "<script", in: tag), 2)
        XCTAssertEqual(occurrences(of: "</script", in: tag), 2)
    }

    // MARK: Configuration

    func testConfigCarriesSessionAndNames() throws {
        XCTAssertEqual(try config(in: tag), .object([
            "session": .string(session),
            "methods": .array([.string("add"), .string("reset")]),
            "properties": .array([.string("count"), .string("label")]),
            "settable": .array([.string("label")]),
            "reportErrors": .bool(true),
            "pollHold": .number("20000"),
        ]))
    }

    func testConfigWithNoNames() throws {
        let tag = ScriptInjection.scriptTag(session: "s", names: ExposedNames())
        XCTAssertEqual(try config(in: tag), .object([
            "session": .string("s"), "methods": .array([]), "properties": .array([]), "settable": .array([]),
            "reportErrors": .bool(true), "pollHold": .number("20000"),
        ]))
        let quiet = ScriptInjection.scriptTag(session: "s", names: ExposedNames(), reportErrors: false, pollHold: .milliseconds(1500))
        XCTAssertEqual(try config(in: quiet)["reportErrors"], .bool(false))
        XCTAssertEqual(try config(in: quiet)["pollHold"], .number("1500"))
    }

    func testNameHoldingScriptEndTagCannotEndTheScript() throws {
        let hostile = "</script><script>alert(1)</script>"
        let names = ExposedNames(methods: [hostile], properties: ["</SCRIPT >\u{2028}"], settable: ["\"};alert(1);//"])
        let tag = ScriptInjection.scriptTag(session: "\"</script>", names: names)
        XCTAssertEqual(occurrences(of: "</script", in: tag), 2)
        XCTAssertTrue(tag.hasSuffix("</script>\n"))
        XCTAssertFalse(tag.unicodeScalars.contains("\u{2028}"))
        XCTAssertEqual(try config(in: tag), .object([
            "session": .string("\"</script>"),
            "methods": .array([.string(hostile)]),
            "properties": .array([.string("</SCRIPT >\u{2028}")]),
            "settable": .array([.string("\"};alert(1);//")]),
            "reportErrors": .bool(true),
            "pollHold": .number("20000"),
        ]))
        let page = inject("<head></head>", session: "s", names: names)
        XCTAssertEqual(occurrences(of: "</script", in: page), 2)
    }
}
