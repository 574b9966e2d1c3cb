import XCTest
@testable import Tether

/// The HTTP layer writes plain text on its own; `Server` gives its refusals Tether's JSON body.
final class ServerErrorFormatTests: XCTestCase {
    func testTheHTTPServersOwnRefusalsAnswerTheJSONErrorBody() throws {
        let server = try startDemoServer { $0.http.maxBodyBytes = 16 }
        defer { server.stop() }
        let tooLarge = try RawConnection(port: server.port)
        XCTAssertTrue(tooLarge.send("POST /_process_srv0 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"
            + "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n"))
        let refused = try XCTUnwrap(tooLarge.readResponse())
        XCTAssertEqual(refused.status, 413)
        XCTAssertEqual(refused.headers["content-type"], "application/json")
        XCTAssertEqual(refused.text,
                       #"{"error":{"code":"body_too_large","message":"body of 17 bytes exceeds the limit of 16 bytes"}}"#)

        let malformed = try RawConnection(port: server.port)
        XCTAssertTrue(malformed.send("HELLO THERE\r\n\r\n"))
        let bad = try XCTUnwrap(malformed.readResponse())
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.text.hasPrefix(#"{"error":{"code":"malformed_request","message":"#), bad.text)
    }
}
