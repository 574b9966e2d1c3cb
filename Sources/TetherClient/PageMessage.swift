import TetherBridge
import TetherHTTP

/// What a page sends on `POST …/_process_srv0`, and how the replies read.
package enum PageMessage: Sendable, Equatable {
    case next(ack: Int, results: [ReadResult], errors: [JSONValue])
    /// `inlineAck` asks for the call's writes in its own reply, after acknowledging up to it.
    case call(function: String, arguments: [JSONValue], inlineAck: Int?)
    case get(property: String)
    case set(property: String, value: JSONValue, inlineAck: Int?)
    case unload

    package struct ReadResult: Sendable, Equatable {
        package let id: Int
        package let outcome: ReadOutcome

        package init(id: Int, outcome: ReadOutcome) {
            self.id = id
            self.outcome = outcome
        }
    }

    /// The JSON body for the page with `session`.
    package func body(session: String) -> [UInt8] {
        var members: [String: JSONValue] = ["session": .string(session)]
        func inline(_ ack: Int?) {
            guard let ack else { return }
            members["inline"] = .bool(true)
            members["ack"] = .number(String(ack))
        }
        switch self {
        case .next(let ack, let results, let errors):
            members["task"] = .string("next")
            members["ack"] = .number(String(ack))
            members["results"] = .array(results.compactMap(\.json))
            if !errors.isEmpty { members["errors"] = .array(errors) }
        case .call(let function, let arguments, let inlineAck):
            members["task"] = .string("call")
            members["function"] = .string(function)
            members["args"] = .array(arguments)
            inline(inlineAck)
        case .get(let property):
            members["task"] = .string("get")
            members["property"] = .string(property)
        case .set(let property, let value, let inlineAck):
            members["task"] = .string("set")
            members["property"] = .string(property)
            members["value"] = value
            inline(inlineAck)
        case .unload:
            members["task"] = .string("unload")
        }
        return Array(JSONValue.object(members).jsonText.utf8)
    }

    /// `{"commands":[…]}`, or a call's `{"value":V,"commands":[…]}`: the value (null for a poll)
    /// and the commands.
    package static func reply(_ body: [UInt8]) throws(ClientError) -> (value: JSONValue, commands: [PageCommand]) {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { throw .malformed("not JSON: \(error.description)") }
        guard case .object = json else { throw .malformed("not a JSON object: \(String(decoding: body.prefix(200), as: UTF8.self))") }
        var commands: [PageCommand] = []
        switch json["commands"] {
        case nil: break
        case .array(let items)?:
            commands.reserveCapacity(items.count)
            for item in items {
                guard let seq = item["seq"]?.intValue else { throw .malformed("a command without seq: \(item.jsonText.prefix(200))") }
                do throws(PageOperationDecodingError) {
                    commands.append(PageCommand(seq: seq, readID: item["id"]?.intValue, operation: try PageOperation(json: item)))
                } catch {
                    throw .malformed(error.description)
                }
            }
        default: throw .malformed("'commands' is not an array")
        }
        return (json["value"] ?? .null, commands)
    }

    /// The refusal an error response stands for (`{"error":{"code":…,"message":…}}`).
    package static func refusal(_ response: HTTPResponse) -> ClientError {
        let json = try? JSONParser.parse(response.body)
        let code = json?["error"]?["code"]?.stringValue ?? "unknown"
        let message = json?["error"]?["message"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
        return .refused(status: response.status.code, code: code, message: message)
    }
}

extension PageMessage.ReadResult {
    /// `{"id":2,"value":1.3}` or `{"id":2,"error":"…"}`; nil for an outcome a page never sends.
    var json: JSONValue? {
        switch outcome {
        case .value(let value): .object(["id": .number(String(id)), "value": value])
        case .exception(let message): .object(["id": .number(String(id)), "error": .string(message)])
        case .timedOut, .closed: nil
        }
    }
}
