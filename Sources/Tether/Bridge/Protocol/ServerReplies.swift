/// What the server answers a page (`ProtocolCodec` reads and writes each).

/// One command for the page: `{"seq":N,"id":R,<the operation's members>}`; `id` on reads only.
package struct PageCommand: Sendable, Equatable {
    /// Its place in the session's order; the page acknowledges up to a seq.
    package let seq: Int
    /// Set on reads: the page answers with this id in its next poll's `results`.
    package let readID: Int?
    package let operation: PageOperation

    package init(seq: Int, readID: Int? = nil, operation: PageOperation) {
        self.seq = seq
        self.readID = readID
        self.operation = operation
    }
}

/// The answer to a `next`: every command the page has not acknowledged (possibly none).
package struct PollReply: Sendable, Equatable {
    package var commands: [PageCommand]

    package init(commands: [PageCommand]) { self.commands = commands }
}

/// The answer to a call, get or set: `{"value":V}`, plus `"commands"` when the page asked
/// for the writes of its call inline and there were some.
package struct CallReply: Sendable, Equatable {
    package var value: EncodedJSON
    package var commands: [PageCommand]?

    package init(value: EncodedJSON, commands: [PageCommand]? = nil) {
        self.value = value
        self.commands = commands
    }
}

/// Every refusal: `{"error":{"code":"…","message":"…"}}`.
package struct ErrorBody: Sendable, Equatable {
    package var code: String
    package var message: String

    package init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// `GET _health`: `{"status":"ok","version":"…","uptime":1.5,"sessions":0,"sinceLastPoll":null,"pageErrors":0}`,
/// with `"reason"` after the status when degraded.
package struct HealthReport: Sendable, Equatable {
    package enum Status: String, Sendable {
        case ok, degraded, stopping
    }

    package var status: Status
    /// Why the status is `degraded` (the www root is gone).
    package var reason: String?
    package var version: String
    /// Seconds since the server started, to the millisecond.
    package var uptime: Double
    package var sessions: Int
    /// Seconds since any page last polled; nil when none has.
    package var sinceLastPoll: Double?
    /// Errors pages have reported since the start.
    package var pageErrors: Int

    package init(status: Status, reason: String? = nil, version: String, uptime: Double, sessions: Int,
                 sinceLastPoll: Double?, pageErrors: Int) {
        self.status = status
        self.reason = reason
        self.version = version
        self.uptime = uptime
        self.sessions = sessions
        self.sinceLastPoll = sinceLastPoll
        self.pageErrors = pageErrors
    }
}

/// A JSON value kept as text: an app's result as its encoder wrote it, embedded in a reply as
/// it is (no second parse on the server). `decoded()` gives the value.
package struct EncodedJSON: Sendable, Equatable, CustomStringConvertible {
    package let text: String

    /// `text` must be one JSON value (as `JSONEncoder` writes it); it is not checked here.
    package init(encoded text: String) { self.text = text }

    package init(_ value: JSONValue) { text = value.jsonText }

    package static let null = EncodedJSON(encoded: "null")

    package func decoded() throws(JSONParser.Failure) -> JSONValue { try JSONParser.parse(text) }

    package var description: String { text }
}

/// Why a body is not a valid protocol message; the server answers it with 400.
package struct MalformedMessage: Error, Equatable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) { self.description = description }
}

/// What a served page's script starts from, in its `<script type="application/json">` block:
/// its session token, the names its app exposes, whether it reports its own errors, and the
/// server's poll hold (shown to the page as `tether.config.pollHold`, in milliseconds).
package struct PageScriptConfig: Sendable, Equatable {
    package var session: String
    package var names: ExposedNames
    package var reportErrors: Bool
    package var pollHold: Duration

    package init(session: String, names: ExposedNames, reportErrors: Bool, pollHold: Duration) {
        self.session = session
        self.names = names
        self.reportErrors = reportErrors
        self.pollHold = pollHold
    }
}
