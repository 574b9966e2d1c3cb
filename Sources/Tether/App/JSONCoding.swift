import FoundationEssentials

/// Typed values to and from the browser's JSON. Strict: `true` is not `1`, `1.5` is not an
/// `Int`, a missing field is an error. The common scalars skip the coders.
enum JSONCoding {
    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(Mismatch) -> T {
        switch value {
        case .number(let text):
            if T.self == Int.self, let typed = Int(text) as? T { return typed }
            if T.self == Double.self, let double = Double(text) {
                // `1e999` parses as infinity: a value Swift would hold but JSON cannot.
                guard double.isFinite else { throw Mismatch(description: "\(text.prefix(40)) is out of range for Double") }
                if let typed = double as? T { return typed }
            }
        case .string(let text):
            if let typed = text as? T { return typed }
        case .bool(let flag):
            if let typed = flag as? T { return typed }
        default:
            break
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(value.jsonText.utf8))
        } catch {
            throw Mismatch(description: "expected \(T.self), got \(value.jsonText.prefix(200))")
        }
    }

    struct Unencodable: Error, CustomStringConvertible {
        let description: String
    }

    static func encode<T: Encodable>(_ value: T) throws(Unencodable) -> String {
        switch value {
        case let int as Int: return String(int)
        case let string as String: return JSONValue.string(string).jsonText
        case let flag as Bool: return flag ? "true" : "false"
        case let double as Double where double.isFinite:
            // 224.0 is written 224, as JSON.stringify would.
            if double == double.rounded(), abs(double) < 1e15 { return String(Int(double)) }
            return double.description
        default: break
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // the same value, the same text
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw Unencodable(description: "cannot encode the result as JSON: \(error)")
        }
    }
}
