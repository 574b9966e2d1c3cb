#if canImport(Glibc)
import Glibc
#endif
import TetherBridge
import TetherHTTP

/// One line of the table: a measurement's samples (median, p99, max) and its result.
struct Figure: Sendable {
    /// The figure number (`1`…`8`), `wrk` or `size`.
    var group: String
    var name: String
    /// Unit of median, p99 and max.
    var unit: String
    var summary: Summary?
    /// The headline number (a rate, a total, a size) and its unit.
    var result: Double?
    var resultUnit: String
    /// Shown after the result (`71 % of bare`).
    var remark: String

    init(_ group: String, _ name: String, unit: String = "", summary: Summary? = nil,
         result: Double? = nil, resultUnit: String = "", remark: String = "") {
        self.group = group
        self.name = name
        self.unit = unit
        self.summary = summary
        self.result = result
        self.resultUnit = resultUnit
        self.remark = remark
    }
}

/// A target of the issue and whether this run met it; `met` is nil when it was not measured.
struct TargetCheck: Sendable {
    let target: String
    let measured: String
    let met: Bool?
}

/// Everything one run found: the table, named values for the targets, notes and skips.
final class Report {
    let mode: String
    private(set) var figures: [Figure] = []
    private(set) var notes: [String] = []
    private(set) var errors: [String] = []
    /// Named results the targets are checked against (`getresult.rate.8`).
    private(set) var values: [String: Double] = [:]
    var targets: [TargetCheck] = []

    init(mode: String) { self.mode = mode }

    func add(_ figure: Figure) {
        figures.append(figure)
        Progress.say("  \(figure.group)  \(figure.name): \(Self.resultText(figure)) \(Self.summaryText(figure))")
    }

    func note(_ text: String) {
        notes.append(text)
        Progress.say("  note: \(text)")
    }

    func error(_ text: String) {
        errors.append(text)
        Progress.say("  ERROR: \(text)")
    }

    func set(_ name: String, _ value: Double) { values[name] = value }
    func value(_ name: String) -> Double? { values[name] }

    // MARK: Text

    static func valueText(_ value: Double, _ unit: String) -> String {
        unit.isEmpty ? Format.short(value) : "\(Format.short(value)) \(unit)"
    }

    static func resultText(_ figure: Figure) -> String {
        guard let result = figure.result else { return figure.remark }
        let number = figure.resultUnit == "calls/s" || figure.resultUnit == "req/s" ? Format.grouped(result) : Format.short(result)
        let text = figure.resultUnit.isEmpty ? number : "\(number) \(figure.resultUnit)"
        return figure.remark.isEmpty ? text : "\(text) (\(figure.remark))"
    }

    static func summaryText(_ figure: Figure) -> String {
        guard let summary = figure.summary else { return "" }
        return "[n=\(summary.count) median \(valueText(summary.median, figure.unit)) p99 \(valueText(summary.p99, figure.unit)) max \(valueText(summary.max, figure.unit))]"
    }

    /// The table, as printed and as pasted into the README (a Markdown table).
    func table() -> String {
        var lines: [String] = []
        lines.append("| fig | measurement | n | median | p99 | max | result |")
        lines.append("|---|---|---:|---:|---:|---:|---|")
        for figure in figures {
            let cells: [String]
            if let summary = figure.summary {
                cells = [String(summary.count), Self.valueText(summary.median, figure.unit),
                         Self.valueText(summary.p99, figure.unit), Self.valueText(summary.max, figure.unit)]
            } else {
                cells = ["", "", "", ""]
            }
            lines.append("| \(figure.group) | \(figure.name) | " + cells.joined(separator: " | ") + " | \(Self.resultText(figure)) |")
        }
        return lines.joined(separator: "\n")
    }

    func targetTable() -> String {
        var lines = ["| target | measured | met |", "|---|---|---|"]
        for check in targets {
            let met = check.met.map { $0 ? "yes" : "**no**" } ?? "not measured"
            lines.append("| \(check.target) | \(check.measured) | \(met) |")
        }
        return lines.joined(separator: "\n")
    }

    func printAll() {
        var text = "\n# tether-bench (\(mode))\n\n" + table() + "\n\n## Targets\n\n" + targetTable() + "\n"
        if !notes.isEmpty { text += "\n## Notes\n\n" + notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        if !errors.isEmpty { text += "\n## Errors\n\n" + errors.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        Progress.out(text)
    }

    // MARK: JSON

    func json(context: [(String, String)]) -> String {
        func number(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "null" }
            return Format.fixed(value, 6)
        }
        func string(_ text: String) -> String { JSONText.quote(text) }
        var out = "{\n  \"mode\": \(string(mode)),\n  \"context\": {"
        out += context.map { "\(string($0.0)): \(string($0.1))" }.joined(separator: ", ") + "},\n  \"figures\": [\n"
        out += figures.map { figure in
            var fields = ["\"figure\": \(string(figure.group))", "\"name\": \(string(figure.name))"]
            if let summary = figure.summary {
                fields += ["\"samples\": \(summary.count)", "\"unit\": \(string(figure.unit))", "\"median\": \(number(summary.median))",
                           "\"p99\": \(number(summary.p99))", "\"max\": \(number(summary.max))"]
            }
            if figure.result != nil {
                fields += ["\"result\": \(number(figure.result))", "\"resultUnit\": \(string(figure.resultUnit))"]
            }
            if !figure.remark.isEmpty { fields.append("\"remark\": \(string(figure.remark))") }
            return "    {" + fields.joined(separator: ", ") + "}"
        }.joined(separator: ",\n")
        out += "\n  ],\n  \"targets\": [\n"
        out += targets.map { check in
            let met = check.met.map { $0 ? "true" : "false" } ?? "null"
            return "    {\"target\": \(string(check.target)), \"measured\": \(string(check.measured)), \"met\": \(met)}"
        }.joined(separator: ",\n")
        out += "\n  ],\n  \"values\": {"
        out += values.keys.sorted().map { "\(string($0)): \(number(values[$0]))" }.joined(separator: ", ")
        out += "},\n  \"notes\": [" + notes.map(string).joined(separator: ", ") + "],\n"
        out += "  \"errors\": [" + errors.map(string).joined(separator: ", ") + "]\n}\n"
        return out
    }

    /// Writes `text` to `path`; false on failure.
    static func write(_ text: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        for _ in 0..<10_000 where offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.write(fd, base + offset, bytes.count - offset)
            }
            if written <= 0 { return false }
            offset += written
        }
        return offset == bytes.count
    }
}

/// Progress on stderr, the table on stdout.
enum Progress {
    static func say(_ line: String) {
        Log.standardError(line + "\n")
    }

    static func out(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            for _ in 0..<10_000 where offset < bytes.count {
                guard let base = bytes.baseAddress else { return }
                let written = Glibc.write(1, base + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
