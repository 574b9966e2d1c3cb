/// A browser→server message of protocol version 1, checked field by field.
enum BridgeMessage: Equatable {
    case call(function: String, arguments: [JSONValue])
    case get(property: String)
    case set(property: String, value: JSONValue)
    case next(ack: Int, results: [Result])
    case unload

    struct Result: Equatable {
        let id: Int
        let outcome: ReadOutcome
    }

    struct Envelope: Equatable {
        let session: String
        let message: BridgeMessage
        /// Set when a call or set asked for its writes in its own reply (`"inline": true`):
        /// the highest seq the page has evaluated, acknowledged before the call runs.
        var inlineAck: Int? = nil
        /// Errors the page reports with a `next` (`"errors"`): at most `maxErrorReports`.
        var errors: [PageError] = []
    }

    /// Reports beyond this many in one message are dropped (the page caps its own too).
    static let maxErrorReports = 50

    /// Why a body is not a valid message; answered with 400.
    struct Malformed: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    static func parse(_ body: [UInt8]) throws(Malformed) -> Envelope {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { throw Malformed(description: error.description) }
        guard case .object = json else { throw Malformed(description: "the body must be a JSON object") }
        guard let session = json["session"]?.stringValue else { throw Malformed(description: "'session' (a string) is missing") }
        guard let task = json["task"]?.stringValue else { throw Malformed(description: "'task' (a string) is missing") }
        let message = try message(task: task, json)
        var errors: [PageError] = []
        if case .next = message { errors = try errorReports(json["errors"]) }
        return Envelope(session: session, message: message, inlineAck: try inlineAck(json, for: message), errors: errors)
    }

    /// `"inline": true` on a call or set, with the page's `ack`.
    private static func inlineAck(_ json: JSONValue, for message: BridgeMessage) throws(Malformed) -> Int? {
        switch json["inline"] {
        case nil, .bool(false)?, .null?: return nil
        case .bool(true)?: break
        default: throw Malformed(description: "'inline' must be true or false")
        }
        switch message {
        case .call, .set: break
        default: throw Malformed(description: "'inline' is for call and set only")
        }
        return try acknowledgement(json["ack"])
    }

    private static func acknowledgement(_ json: JSONValue?) throws(Malformed) -> Int {
        switch json {
        case nil, .null?: return 0
        case .number?:
            guard let value = json?.intValue, value >= 0 else { throw Malformed(description: "'ack' must be a whole number ≥ 0") }
            return value
        default: throw Malformed(description: "'ack' must be a number")
        }
    }

    private static func message(task: String, _ json: JSONValue) throws(Malformed) -> BridgeMessage {
        switch task {
        case "call":
            guard let function = json["function"]?.stringValue else { throw Malformed(description: "'function' (a string) is missing") }
            switch json["args"] {
            case nil, .null?: return .call(function: function, arguments: [])
            case .array(let arguments)?: return .call(function: function, arguments: arguments)
            default: throw Malformed(description: "'args' must be an array")
            }
        case "get":
            guard let property = json["property"]?.stringValue else { throw Malformed(description: "'property' (a string) is missing") }
            return .get(property: property)
        case "set":
            guard let property = json["property"]?.stringValue else { throw Malformed(description: "'property' (a string) is missing") }
            guard let value = json["value"] else { throw Malformed(description: "'value' is missing") }
            return .set(property: property, value: value)
        case "next":
            return .next(ack: try acknowledgement(json["ack"]), results: try results(json["results"]))
        case "unload":
            return .unload
        default:
            throw Malformed(description: "unknown task '\(task)': use call, get, set, next or unload")
        }
    }

    /// `[{"kind":"command","seq":7,"name":"TypeError","message":"…","statement":"…"}, …]`.
    private static func errorReports(_ json: JSONValue?) throws(Malformed) -> [PageError] {
        switch json {
        case nil, .null?: return []
        case .array(let items)?:
            var reports: [PageError] = []
            for item in items.prefix(maxErrorReports) {
                guard case .object = item else { throw Malformed(description: "each error report must be an object") }
                let kind: PageError.Kind = switch item["kind"]?.stringValue {
                case "command": .command
                case "rejection": .rejection
                default: .uncaught
                }
                func text(_ key: String) -> String { item[key]?.stringValue ?? item[key].map(\.jsonText) ?? "" }
                reports.append(PageError(kind: kind, seq: item["seq"]?.intValue, name: text("name"),
                                         message: text("message"), statement: text("statement")))
            }
            return reports
        default:
            throw Malformed(description: "'errors' must be an array")
        }
    }

    private static func results(_ json: JSONValue?) throws(Malformed) -> [Result] {
        switch json {
        case nil, .null?: return []
        case .array(let items)?:
            var results: [Result] = []
            for item in items {
                guard let id = item["id"]?.intValue else { throw Malformed(description: "each result needs a numeric 'id'") }
                if let error = item["error"] {
                    results.append(Result(id: id, outcome: .exception(error.stringValue ?? error.jsonText)))
                } else if let value = item["value"] {
                    results.append(Result(id: id, outcome: .value(value)))
                } else {
                    throw Malformed(description: "result \(id) has neither 'value' nor 'error'")
                }
            }
            return results
        default:
            throw Malformed(description: "'results' must be an array")
        }
    }
}
