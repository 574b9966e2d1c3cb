import Foundation
import XCTest
@testable import TetherHTTP
import TetherBridge

/// RFC 9110 §6.6.1: an origin server with a clock sends `Date` on every response.
final class DateHeaderTests: XCTestCase {
    func testIMFFixdate() {
        XCTAssertEqual(HTTPDate.format(secondsSinceEpoch: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(secondsSinceEpoch: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(secondsSinceEpoch: 1_709_208_000), "Thu, 29 Feb 2024 12:00:00 GMT")
    }

    func testEveryResponseCarriesTheCurrentDate() throws {
        let www = try TemporaryWWW()
        _ = try www.write("a.txt", "hello")
        let server = try startHTTPServer(handler: try StaticFiles(root: www.wwwPath, errorFormat: .json))
        defer { server.stop() }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        for path in ["/a.txt", "/missing", "/%zz"] {
            let result = try curl(["http://127.0.0.1:\(server.port)\(path)"])
            let date = try XCTUnwrap(result.headers["date"], path)
            let parsed = try XCTUnwrap(formatter.date(from: date), date)
            XCTAssertLessThan(abs(parsed.timeIntervalSinceNow), 5, date)
        }
    }
}
