/// The one JSON codec of the protocol, both directions. The server decodes what pages send
/// and encodes its replies; the Swift client (TetherClient) encodes requests and decodes
/// replies with the same code. Nothing else writes or reads the wire (README "The protocol").
///
///     let body = ProtocolCodec.encode(BridgeMessage.Envelope(session: id, message: .get(property: "count")))
///     let reply = try ProtocolCodec.decodeCallReply(Array(response.utf8))
package enum ProtocolCodec {
    /// The body as one JSON object, or why not.
    static func object(_ body: [UInt8]) throws(MalformedMessage) -> JSONValue {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { throw MalformedMessage(error.description) }
        guard case .object = json else { throw MalformedMessage("the body must be a JSON object") }
        return json
    }

    /// `{"commands":[…]}`'s list, each command's members read by `PageOperation(json:)`.
    static func commands(_ json: JSONValue?) throws(MalformedMessage) -> [PageCommand] {
        guard case .array(let items)? = json else { throw MalformedMessage("'commands' must be an array") }
        var commands: [PageCommand] = []
        commands.reserveCapacity(items.count)
        for item in items {
            guard let seq = item["seq"]?.intValue else { throw MalformedMessage("each command needs a numeric 'seq'") }
            let readID = item["id"]?.intValue
            if item["id"] != nil, readID == nil { throw MalformedMessage("command \(seq): 'id' must be a number") }
            do {
                commands.append(PageCommand(seq: seq, readID: readID, operation: try PageOperation(json: item)))
            } catch {
                throw MalformedMessage("command \(seq): \(error.description)")
            }
        }
        return commands
    }

    /// `[{"seq":1,"op":"run",…},{"seq":2,"id":1,"op":"read",…}]`: each command's seq, its read
    /// id, then its operation's members.
    static func encode(_ commands: [PageCommand]) -> String {
        jsonArray(commands) { command in
            var object = JSONObjectWriter()
            object.member("seq", int: command.seq)
            if let id = command.readID { object.member("id", int: id) }
            command.operation.writeMembers(to: &object)
            return object.finish()
        }
    }
}
