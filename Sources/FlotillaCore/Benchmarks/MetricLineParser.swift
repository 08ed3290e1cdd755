/// Parses the two ways a benchmark job reports metrics.
///
/// **Command lines on stdout**: `::metric name=parse unit=ms value=12.5 lower_is_better=false`.
/// Only a line that starts with exactly `::metric ` is a metric line; every other line is
/// ordinary output. After the prefix come `key=value` words separated by spaces or tabs, in
/// any order, each key at most once:
/// - `name` (required): 1…200 UTF-8 bytes, no control characters;
/// - `unit` (required, may be empty: `unit=` or `unit=""`, for plain counts): ≤ 200 bytes;
/// - `value` (required): a finite decimal number (`12`, `-0.5`, `1.5e3`; not `nan`, `inf`, hex);
/// - `lower_is_better` (optional, default `true`): `true` or `false`.
/// A value containing spaces is written in double quotes (`name="parse json"`), where `\"`
/// and `\\` stand for `"` and `\`. Unknown keys are errors, so a misspelt key is not silently
/// lost. A trailing CR is ignored.
///
/// **JSON lines** (the file named by `FLOTILLA_METRICS`): one object per line,
/// `{"name": "parse", "unit": "ms", "value": 12.5, "lower_is_better": true}` with the same
/// rules (`unit` required but may be `""`, `value` a JSON number, `lower_is_better` an optional
/// boolean); unknown keys are ignored, so producers may add their own; blank lines are skipped.
public enum MetricLineParser {
    /// What starts a metric command line.
    public static let commandPrefix = "::metric "
    /// Longest metric name, in UTF-8 bytes (the wire's limit for `MetricSample.name`).
    public static let maxNameBytes = 200
    /// Longest unit, in UTF-8 bytes (the wire's limit for `MetricSample.unit`).
    public static let maxUnitBytes = 200

    /// Parses one stdout line.
    ///
    /// - Parameters:
    ///   - line: The line without its LF (a trailing CR is dropped).
    ///   - lineNumber: Its 1-based number, for the error.
    /// - Returns: The reading, or nil when the line is not a metric line.
    /// - Throws: `MetricParseError` when the line starts with `::metric ` but is malformed.
    public static func parseCommand(_ line: Substring, lineNumber: Int) throws(MetricParseError) -> MetricReading? {
        var text = line
        if text.last == "\r" { text = text.dropLast() }
        guard text.hasPrefix(commandPrefix) else { return nil }
        var words = CommandWords(text.utf8.dropFirst(commandPrefix.utf8.count), line: lineNumber)
        var fields: [String: String] = [:]
        while let (key, value) = try words.next() {
            guard ["name", "unit", "value", "lower_is_better"].contains(key) else {
                throw MetricParseError(line: lineNumber, message: "unknown key '\(key)' in a ::metric line; "
                                       + "expected name=, unit=, value= and optionally lower_is_better=")
            }
            guard fields[key] == nil else {
                throw MetricParseError(line: lineNumber, message: "'\(key)' is given twice in a ::metric line")
            }
            fields[key] = value
        }
        let fail = { (message: String) in MetricParseError(line: lineNumber, message: message) }
        guard let name = fields["name"] else { throw fail("a ::metric line needs name=NAME") }
        guard let unit = fields["unit"] else { throw fail("a ::metric line needs unit=UNIT (unit=\"\" for a plain count)") }
        guard let valueText = fields["value"] else { throw fail("a ::metric line needs value=NUMBER") }
        guard let value = decimal(valueText) else {
            throw fail("value '\(valueText)' of metric '\(name)' is not a finite decimal number")
        }
        var lowerIsBetter = true
        if let flag = fields["lower_is_better"] {
            switch flag {
            case "true": lowerIsBetter = true
            case "false": lowerIsBetter = false
            default: throw fail("lower_is_better must be true or false, found '\(flag)'")
            }
        }
        let reading = MetricReading(name: name, unit: unit, value: value, lowerIsBetter: lowerIsBetter)
        try check(reading, line: lineNumber)
        return reading
    }

    /// Parses one stdout line; see `parseCommand(_:lineNumber:)`.
    public static func parseCommand(_ line: String, lineNumber: Int) throws(MetricParseError) -> MetricReading? {
        try parseCommand(line[...], lineNumber: lineNumber)
    }

    /// Parses one line of a metrics file.
    ///
    /// - Returns: The reading, or nil for a blank line.
    /// - Throws: `MetricParseError` when the line is not a JSON object of the expected shape.
    public static func parseJSON(_ line: Substring, lineNumber: Int) throws(MetricParseError) -> MetricReading? {
        guard line.contains(where: { !$0.isWhitespace }) else { return nil }
        let expected = #"expected a JSON object such as {"name": "parse", "unit": "ms", "value": 12.5}"#
        let parsed: ExpressionValue
        do {
            parsed = try JSONReader.parse(String(line))
        } catch {
            throw MetricParseError(line: lineNumber, message: "\(error.message); \(expected)")
        }
        guard case .object(let members) = parsed else {
            throw MetricParseError(line: lineNumber, message: "\(expected), found a JSON \(kind(parsed))")
        }
        func member(_ key: String) -> ExpressionValue? { members.last { $0.key == key }?.value }
        func fail(_ message: String) -> MetricParseError { MetricParseError(line: lineNumber, message: message) }
        guard case .string(let name)? = member("name") else {
            throw fail("\"name\" must be a string naming the metric, found \(member("name").map(kind) ?? "nothing")")
        }
        guard case .string(let unit)? = member("unit") else {
            throw fail("\"unit\" of metric '\(name)' must be a string (\"\" for a plain count), found \(member("unit").map(kind) ?? "nothing")")
        }
        guard case .number(let value)? = member("value") else {
            throw fail("\"value\" of metric '\(name)' must be a number, found \(member("value").map(kind) ?? "nothing")")
        }
        guard value.isFinite else { throw fail("\"value\" of metric '\(name)' is not finite") }
        var lowerIsBetter = true
        switch member("lower_is_better") {
        case nil, .null?: break
        case .bool(let flag)?: lowerIsBetter = flag
        case let other?: throw fail("\"lower_is_better\" of metric '\(name)' must be true or false, found \(kind(other))")
        }
        let reading = MetricReading(name: name, unit: unit, value: value, lowerIsBetter: lowerIsBetter)
        try check(reading, line: lineNumber)
        return reading
    }

    /// Parses a whole metrics file (JSON lines; LF or CRLF line ends).
    /// - Throws: `MetricParseError` for the first malformed line.
    public static func parseJSONLines(_ text: String) throws(MetricParseError) -> [MetricReading] {
        var readings: [MetricReading] = []
        // "\r\n" is one Character, so CRLF ends a line too.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, line) in lines.enumerated() {
            if let reading = try parseJSON(line, lineNumber: index + 1) { readings.append(reading) }
        }
        return readings
    }

    // MARK: Rules shared by both forms

    private static func check(_ reading: MetricReading, line: Int) throws(MetricParseError) {
        let nameBytes = reading.name.utf8.count
        guard nameBytes > 0 else { throw MetricParseError(line: line, message: "the metric name is empty") }
        guard nameBytes <= maxNameBytes else {
            throw MetricParseError(line: line, message: "metric name '\(reading.name.prefix(40))…' is \(nameBytes) bytes, longer than \(maxNameBytes)")
        }
        guard reading.unit.utf8.count <= maxUnitBytes else {
            throw MetricParseError(line: line, message: "unit of metric '\(reading.name)' is \(reading.unit.utf8.count) bytes, longer than \(maxUnitBytes)")
        }
        for (what, text) in [("name", reading.name), ("unit", reading.unit)]
        where text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw MetricParseError(line: line, message: "the metric \(what) contains a control character")
        }
    }

    /// A finite number in plain decimal notation; nil for anything else (`nan`, `inf`, hex).
    private static func decimal(_ text: String) -> Double? {
        let allowed = Set("0123456789+-.eE")
        guard !text.isEmpty, text.allSatisfy(allowed.contains), text.contains(where: \.isNumber),
              let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private static func kind(_ value: ExpressionValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Splits the rest of a `::metric` line into `key=value` words, unquoting quoted values.
private struct CommandWords {
    private var bytes: Substring.UTF8View
    private let line: Int

    init(_ bytes: Substring.UTF8View, line: Int) { self.bytes = bytes; self.line = line }

    mutating func next() throws(MetricParseError) -> (key: String, value: String)? {
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty else { return nil }
        var key: [UInt8] = []
        while let byte = bytes.first, byte != UInt8(ascii: "="), byte != 0x20, byte != 0x09 {
            key.append(byte)
            bytes = bytes.dropFirst()
        }
        let keyText = String(decoding: key, as: UTF8.self)
        guard bytes.first == UInt8(ascii: "=") else {
            throw MetricParseError(line: line, message: "'\(keyText)' in a ::metric line is not key=value")
        }
        guard !key.isEmpty else { throw MetricParseError(line: line, message: "a ::metric line has '=' without a key before it") }
        bytes = bytes.dropFirst()
        var value: [UInt8] = []
        if bytes.first == UInt8(ascii: "\"") {
            bytes = bytes.dropFirst()
            var closed = false
            while let byte = bytes.first {
                bytes = bytes.dropFirst()
                if byte == UInt8(ascii: "\"") { closed = true; break }
                if byte == UInt8(ascii: "\\"), let escaped = bytes.first, escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") {
                    value.append(escaped)
                    bytes = bytes.dropFirst()
                } else {
                    value.append(byte)
                }
            }
            guard closed else {
                throw MetricParseError(line: line, message: "the quoted value of '\(keyText)' is never closed; expected a closing \"")
            }
            if let after = bytes.first, after != 0x20, after != 0x09 {
                throw MetricParseError(line: line, message: "expected a space after the quoted value of '\(keyText)'")
            }
        } else {
            while let byte = bytes.first, byte != 0x20, byte != 0x09 {
                if byte == UInt8(ascii: "\"") {
                    throw MetricParseError(line: line, message: "the value of '\(keyText)' has a quote inside it; quote the whole value: \(keyText)=\"...\"")
                }
                value.append(byte)
                bytes = bytes.dropFirst()
            }
        }
        return (keyText, String(decoding: value, as: UTF8.self))
    }
}
