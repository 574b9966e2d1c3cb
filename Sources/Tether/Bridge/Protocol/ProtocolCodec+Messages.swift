/// Page → server: the request envelope, checked field by field.
extension ProtocolCodec {
    package static func encode(_ envelope: BridgeMessage.Envelope) -> String {
        var object = JSONObjectWriter()
        object.member("session", string: envelope.session)
        switch envelope.message {
        case .call(let function, let arguments):
            object.member("task", string: "call")
            object.member("function", string: function)
            object.member("args", .array(arguments))
        case .get(let property):
            object.member("task", string: "get")
            object.member("property", string: property)
        case .set(let property, let value):
            object.member("task", string: "set")
            object.member("property", string: property)
            object.member("value", value)
        case .next(let ack, let results):
            object.member("task", string: "next")
            object.member("ack", int: ack)
            object.member("results", encoded: jsonArray(results, encode))
            if !envelope.errors.isEmpty { object.member("errors", encoded: jsonArray(envelope.errors, encode)) }
        case .unload:
            object.member("task", string: "unload")
        }
        if let ack = envelope.inlineAck {
            object.member("inline", bool: true)
            object.member("ack", int: ack)
        }
        return object.finish()
    }

    package static func decodeMessage(_ body: [UInt8]) throws(MalformedMessage) -> BridgeMessage.Envelope {
        let json = try object(body)
        guard let session = json["session"]?.stringValue else { throw MalformedMessage("'session' (a string) is missing") }
        guard let task = json["task"]?.stringValue else { throw MalformedMessage("'task' (a string) is missing") }
        let message = try message(task: task, json)
        var errors: [PageError] = []
        if case .next = message { errors = try errorReports(json["errors"]) }
        return BridgeMessage.Envelope(session: session, message: message, inlineAck: try inlineAck(json, for: message),
                                      errors: errors)
    }

    /// `"inline": true` on a call or set, with the page's `ack`.
    private static func inlineAck(_ json: JSONValue, for message: BridgeMessage) throws(MalformedMessage) -> Int? {
        switch json["inline"] {
        case nil, .bool(false)?, .null?: return nil
        case .bool(true)?: break
        default: throw MalformedMessage("'inline' must be true or false")
        }
        switch message {
        case .call, .set: break
        default: throw MalformedMessage("'inline' is for call and set only")
        }
        return try acknowledgement(json["ack"])
    }

    private static func acknowledgement(_ json: JSONValue?) throws(MalformedMessage) -> Int {
        switch json {
        case nil, .null?: return 0
        case .number?:
            guard let value = json?.intValue, value >= 0 else { throw MalformedMessage("'ack' must be a whole number ≥ 0") }
            return value
        default: throw MalformedMessage("'ack' must be a number")
        }
    }

    private static func message(task: String, _ json: JSONValue) throws(MalformedMessage) -> BridgeMessage {
        switch task {
        case "call":
            guard let function = json["function"]?.stringValue else { throw MalformedMessage("'function' (a string) is missing") }
            switch json["args"] {
            case nil, .null?: return .call(function: function, arguments: [])
            case .array(let arguments)?: return .call(function: function, arguments: arguments)
            default: throw MalformedMessage("'args' must be an array")
            }
        case "get":
            guard let property = json["property"]?.stringValue else { throw MalformedMessage("'property' (a string) is missing") }
            return .get(property: property)
        case "set":
            guard let property = json["property"]?.stringValue else { throw MalformedMessage("'property' (a string) is missing") }
            guard let value = json["value"] else { throw MalformedMessage("'value' is missing") }
            return .set(property: property, value: value)
        case "next":
            return .next(ack: try acknowledgement(json["ack"]), results: try results(json["results"]))
        case "unload":
            return .unload
        default:
            throw MalformedMessage("unknown task '\(task)': use call, get, set, next or unload")
        }
    }

    /// `{"kind":"command","seq":7,"name":"TypeError","message":"…","statement":"…"}`
    private static func encode(_ error: PageError) -> String {
        var object = JSONObjectWriter()
        object.member("kind", string: error.kind.rawValue)
        if let seq = error.seq { object.member("seq", int: seq) }
        object.member("name", string: error.name)
        object.member("message", string: error.message)
        object.member("statement", string: error.statement)
        return object.finish()
    }

    private static func errorReports(_ json: JSONValue?) throws(MalformedMessage) -> [PageError] {
        switch json {
        case nil, .null?: return []
        case .array(let items)?:
            var reports: [PageError] = []
            for item in items.prefix(BridgeMessage.maxErrorReports) {
                guard case .object = item else { throw MalformedMessage("each error report must be an object") }
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
            throw MalformedMessage("'errors' must be an array")
        }
    }

    /// `{"id":1,"value":…}` or `{"id":1,"error":"…"}`. A read that timed out or found the page
    /// closed is never sent by a page; written here as an error, so a client cannot lie about it.
    private static func encode(_ result: BridgeMessage.Result) -> String {
        var object = JSONObjectWriter()
        object.member("id", int: result.id)
        switch result.outcome {
        case .value(let value): object.member("value", value)
        case .exception(let message): object.member("error", string: message)
        case .timedOut: object.member("error", string: "timed out")
        case .closed: object.member("error", string: "page closed")
        }
        return object.finish()
    }

    private static func results(_ json: JSONValue?) throws(MalformedMessage) -> [BridgeMessage.Result] {
        switch json {
        case nil, .null?: return []
        case .array(let items)?:
            var results: [BridgeMessage.Result] = []
            for item in items {
                guard let id = item["id"]?.intValue else { throw MalformedMessage("each result needs a numeric 'id'") }
                if let error = item["error"] {
                    results.append(BridgeMessage.Result(id: id, outcome: .exception(error.stringValue ?? error.jsonText)))
                } else if let value = item["value"] {
                    results.append(BridgeMessage.Result(id: id, outcome: .value(value)))
                } else {
                    throw MalformedMessage("result \(id) has neither 'value' nor 'error'")
                }
            }
            return results
        default:
            throw MalformedMessage("'results' must be an array")
        }
    }
}
