import Foundation
import XCTest
@testable import TetherHTTP

/// Replays the fuzzer's corpus (Tests/Fuzz/corpus, where every crash it finds is added) with
/// the properties the fuzzer checks: no crash, the same outcome whole or in two pieces,
/// a head never longer than its input, never a body over the limit.
final class FuzzCorpusTests: XCTestCase {
    func testEveryCorpusInputParsesTheSameWholeOrInPieces() throws {
        let folder = TestPaths.packageRoot.appendingPathComponent("Tests/Fuzz/corpus")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertGreaterThanOrEqual(files.count, 10)
        var configuration = HTTPConfiguration()
        configuration.maxRequestLineBytes = 256
        configuration.maxHeaderBytes = 1024
        configuration.maxHeaderCount = 16
        configuration.maxBodyBytes = 4096
        for file in files {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
            let whole = outcome(bytes, configuration, split: nil)
            for split in 0...bytes.count {
                XCTAssertEqual(outcome(bytes, configuration, split: split), whole, "\(file) cut at \(split)")
            }
            if case .head(let head)? = whole {
                XCTAssertLessThanOrEqual(head.length, bytes.count, file)
                XCTAssertLessThanOrEqual(head.contentLength, configuration.maxBodyBytes, file)
            }
        }
    }

    func testCorpusOutcomesAreTheExpectedOnes() throws {
        let folder = TestPaths.packageRoot.appendingPathComponent("Tests/Fuzz/corpus")
        func parse(_ name: String) throws -> Outcome? {
            outcome(Array(try Data(contentsOf: folder.appendingPathComponent(name))), HTTPConfiguration(), split: nil)
        }
        guard case .head(let get)? = try parse("get") else { return XCTFail("get did not parse") }
        XCTAssertEqual(get.target, "/")
        XCTAssertEqual(try parse("chunked"), .refused(.transferEncodingNotSupported("chunked")))
        XCTAssertEqual(try parse("http2"), .refused(.versionNotSupported("HTTP/2.0")))
        for name in ["obs-fold", "non-ascii", "nul-in-value", "no-colon", "negative-length", "two-hosts", "conflicting-length"] {
            guard case .refused(let error)? = try parse(name) else { return XCTFail("\(name) was accepted") }
            XCTAssertEqual(error.status.code, 400, name)
        }
    }

    enum Outcome: Equatable {
        case head(RequestParser.Head)
        case refused(RequestParseError)
    }

    private func outcome(_ bytes: [UInt8], _ configuration: HTTPConfiguration, split: Int?) -> Outcome? {
        var parser = RequestParser(configuration: configuration)
        var buffer: [UInt8] = []
        var from = 0
        for cut in (split.map { [$0, bytes.count] } ?? [bytes.count]) {
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
}
