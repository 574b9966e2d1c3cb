/// Server → page: poll replies, call replies, the error body and the health report.
extension ProtocolCodec {
    /// `{"commands":[…]}`
    package static func encode(_ reply: PollReply) -> String {
        var object = JSONObjectWriter()
        object.member("commands", encoded: encode(reply.commands))
        return object.finish()
    }

    package static func decodePollReply(_ body: [UInt8]) throws(MalformedMessage) -> PollReply {
        PollReply(commands: try commands(try object(body)["commands"]))
    }

    /// `{"value":V}` or `{"value":V,"commands":[…]}`
    package static func encode(_ reply: CallReply) -> String {
        var object = JSONObjectWriter()
        object.member("value", encoded: reply.value.text)
        if let commands = reply.commands { object.member("commands", encoded: encode(commands)) }
        return object.finish()
    }

    package static func decodeCallReply(_ body: [UInt8]) throws(MalformedMessage) -> CallReply {
        let json = try object(body)
        guard let value = json["value"] else { throw MalformedMessage("'value' is missing") }
        let commands = json["commands"] == nil ? nil : try commands(json["commands"])
        return CallReply(value: EncodedJSON(value), commands: commands)
    }

    /// `{"error":{"code":"…","message":"…"}}`
    package static func encode(_ error: ErrorBody) -> String {
        var inner = JSONObjectWriter()
        inner.member("code", string: error.code)
        inner.member("message", string: error.message)
        var object = JSONObjectWriter()
        object.member("error", encoded: inner.finish())
        return object.finish()
    }

    package static func decodeErrorBody(_ body: [UInt8]) throws(MalformedMessage) -> ErrorBody {
        let json = try object(body)
        guard let code = json["error"]?["code"]?.stringValue, let message = json["error"]?["message"]?.stringValue else {
            throw MalformedMessage("'error' must be an object with 'code' and 'message' strings")
        }
        return ErrorBody(code: code, message: message)
    }

    /// `{"status":"ok","version":"1.0","uptime":12.5,"sessions":1,"sinceLastPoll":0.25,"pageErrors":0}`
    package static func encode(_ health: HealthReport) -> String {
        var object = JSONObjectWriter()
        object.member("status", string: health.status.rawValue)
        if let reason = health.reason { object.member("reason", string: reason) }
        object.member("version", string: health.version)
        object.member("uptime", double: health.uptime)
        object.member("sessions", int: health.sessions)
        if let since = health.sinceLastPoll { object.member("sinceLastPoll", double: since) } else {
            object.member("sinceLastPoll", .null)
        }
        object.member("pageErrors", int: health.pageErrors)
        return object.finish()
    }

    package static func decodeHealthReport(_ body: [UInt8]) throws(MalformedMessage) -> HealthReport {
        let json = try object(body)
        func number(_ key: String) throws(MalformedMessage) -> Double {
            guard case .number(let text)? = json[key], let value = Double(text) else {
                throw MalformedMessage("'\(key)' must be a number")
            }
            return value
        }
        guard let statusText = json["status"]?.stringValue, let status = HealthReport.Status(rawValue: statusText) else {
            throw MalformedMessage("'status' must be ok, degraded or stopping")
        }
        guard let version = json["version"]?.stringValue else { throw MalformedMessage("'version' (a string) is missing") }
        guard let sessions = json["sessions"]?.intValue, let pageErrors = json["pageErrors"]?.intValue else {
            throw MalformedMessage("'sessions' and 'pageErrors' must be whole numbers")
        }
        let since: Double? = json["sinceLastPoll"] == .null ? nil : try number("sinceLastPoll")
        return HealthReport(status: status, reason: json["reason"]?.stringValue, version: version, uptime: try number("uptime"),
                            sessions: sessions, sinceLastPoll: since, pageErrors: pageErrors)
    }
}

extension ProtocolCodec {
    /// `{"session":"…","methods":[…],"properties":[…],"settable":[…],"reportErrors":true,"pollHold":20000}`.
    /// Every string is escaped as `JSONText.quote` does, `<` included, so no name can end the
    /// block it stands in.
    package static func encode(_ config: PageScriptConfig) -> String {
        func list(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }
        var object = JSONObjectWriter()
        object.member("session", string: config.session)
        object.member("methods", list(config.names.methods))
        object.member("properties", list(config.names.properties))
        object.member("settable", list(config.names.settable))
        object.member("reportErrors", bool: config.reportErrors)
        object.member("pollHold", int: Int((config.pollHold.secondsValue * 1000).rounded()))
        return object.finish()
    }
}
