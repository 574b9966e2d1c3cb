import TetherBridge
import TetherHTTP

/// One command of a poll response: `{"seq":3,"js":"…","id":2}`.
struct PollCommand: Sendable {
    let seq: Int
    let js: String
    /// Set on reads: the page answers with this id in its next poll.
    let readID: Int?
}

/// How a page answers a read: a JSON value, or the message of a JavaScript exception.
enum ReadAnswer: Sendable {
    case value(String)
    case exception(String)
}

/// The page script's side of the poll: reading commands and writing the next `next`.
enum PollReply {
    /// The commands of a 200 poll body; nil when it is not `{"commands":[…]}`.
    static func commands(in body: [UInt8]) -> [PollCommand]? {
        guard let json = try? JSONParser.parse(body), case .array(let items)? = json["commands"] else { return nil }
        var commands: [PollCommand] = []
        commands.reserveCapacity(items.count)
        for item in items {
            guard let seq = item["seq"]?.intValue, let js = (try? PageOperation(json: item))?.code else { return nil }
            commands.append(PollCommand(seq: seq, js: js, readID: item["id"]?.intValue))
        }
        return commands
    }

    /// `{"session":"…","task":"next","ack":4,"results":[{"id":2,"value":1.3}]}`
    static func nextBody(session: String, ack: Int, results: [String]) -> String {
        "{\"session\":\"\(session)\",\"task\":\"next\",\"ack\":\(ack),\"results\":[\(results.joined(separator: ","))]}"
    }

    static func result(id: Int, _ answer: ReadAnswer) -> String {
        switch answer {
        case .value(let json): "{\"id\":\(id),\"value\":\(json)}"
        case .exception(let message): "{\"id\":\(id),\"error\":\(JSONText.quote(message))}"
        }
    }

    static func callBody(session: String, function: String, args: String) -> String {
        "{\"session\":\"\(session)\",\"task\":\"call\",\"function\":\"\(function)\",\"args\":[\(args)]}"
    }

    /// A call as the page script sends it: its writes come back in the reply (`"inline":true`),
    /// and `ack` tells the server what the page has run.
    static func inlineCallBody(session: String, function: String, args: String, ack: Int) -> String {
        "{\"session\":\"\(session)\",\"task\":\"call\",\"function\":\"\(function)\",\"args\":[\(args)],\"inline\":true,\"ack\":\(ack)}"
    }

    static func unloadBody(session: String) -> String {
        "{\"session\":\"\(session)\",\"task\":\"unload\"}"
    }

    /// The demo pages' globals, as a browser would evaluate them: `factor` is 1.3 and
    /// `adjust(v)` is `v * factor` (www/factor.html); anything else is not defined.
    static func demoAnswer(_ js: String) -> ReadAnswer {
        if js == "factor" { return .value("1.3") }
        if js.hasPrefix("adjust("), js.hasSuffix(")"), let value = Double(js.dropFirst(7).dropLast()) {
            return .value(JSONDouble.text(value * 1.3))
        }
        return .exception("ReferenceError: \(js.prefix(40)) is not defined")
    }
}

enum JSONDouble {
    static func text(_ value: Double) -> String {
        value.isFinite ? value.description : "null"
    }
}
