/// What a page sends to `_process_srv0` (protocol version 1): one task of one session.
/// `ProtocolCodec` reads and writes it.
package enum BridgeMessage: Sendable, Equatable {
    case call(function: String, arguments: [JSONValue])
    case get(property: String)
    case set(property: String, value: JSONValue)
    /// The page's poll: `ack` is the highest seq it has run, `results` answer its reads.
    case next(ack: Int, results: [Result])
    case unload

    /// A read's answer: `{"id":1,"value":…}` or `{"id":1,"error":"…"}`.
    package struct Result: Sendable, Equatable {
        package let id: Int
        package let outcome: ReadOutcome

        package init(id: Int, outcome: ReadOutcome) {
            self.id = id
            self.outcome = outcome
        }
    }

    /// The whole request body: `{"session":"…","task":"call",…}`.
    package struct Envelope: Sendable, Equatable {
        package var session: String
        package var message: BridgeMessage
        /// Set when a call or set asks for its writes in its own reply (`"inline":true`): the
        /// highest seq the page has run (`"ack"`), acknowledged before the call runs.
        package var inlineAck: Int?
        /// Errors the page reports with a `next` (`"errors"`): at most `maxErrorReports`.
        package var errors: [PageError]

        package init(session: String, message: BridgeMessage, inlineAck: Int? = nil, errors: [PageError] = []) {
            self.session = session
            self.message = message
            self.inlineAck = inlineAck
            self.errors = errors
        }
    }

    /// Reports beyond this many in one message are dropped (the page caps its own too).
    package static let maxErrorReports = 50
}
