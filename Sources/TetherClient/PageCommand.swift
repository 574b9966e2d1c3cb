import TetherBridge
import TetherHTTP

extension PageCommand {
    /// The operation as the JavaScript builder spells it (`a.b=1`), for records and read rules.
    package var code: String { operation.code }
}

/// How a page answers a read: `.value(json)` or `.exception("TypeError: …")`; nil leaves it
/// unanswered (the server's read times out).
package typealias ReadRule = @Sendable (PageCommand) -> ReadOutcome?

extension ClientError {
    /// The refusal an error response stands for (`{"error":{"code":…,"message":…}}`).
    static func refusal(_ response: HTTPResponse) -> ClientError {
        guard let body = try? ProtocolCodec.decodeErrorBody(response.body) else {
            return .refused(status: response.status.code, code: "unknown",
                            message: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        return .refused(status: response.status.code, code: body.code, message: body.message)
    }
}
