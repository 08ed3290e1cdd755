/// Deterministic JSON text for expression values (member order preserved).
public enum JSONWriter {
    /// Single-line JSON: `{"a":1,"b":[true,null]}`.
    public static func compact(_ value: ExpressionValue) -> String {
        var out = ""
        write(value, into: &out, indent: nil, level: 0)
        return out
    }

    /// Single-line JSON with a space after each ':' and ',': `{"a": 1, "b": [true, null]}`.
    public static func spaced(_ value: ExpressionValue) -> String {
        var out = ""
        write(value, into: &out, indent: "", level: 0)
        return out
    }

    /// JSON indented by two spaces, as GitHub's `toJSON` prints it.
    public static func pretty(_ value: ExpressionValue) -> String {
        var out = ""
        write(value, into: &out, indent: "  ", level: 0)
        return out
    }

    /// A JSON string literal with the required escapes.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A JSON number; non-finite values (not representable in JSON) become null.
    public static func number(_ n: Double) -> String {
        n.isFinite ? ExpressionValue.formatNumber(n) : "null"
    }

    private static func write(_ value: ExpressionValue, into out: inout String, indent: String?, level: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += number(n)
        case .string(let s): out += quote(s)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += indent == "" ? ", " : "," }
                newline(&out, indent, level + 1)
                write(item, into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += indent == "" ? ", " : "," }
                newline(&out, indent, level + 1)
                out += quote(member.key) + (indent == nil ? ":" : ": ")
                write(member.value, into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: String?, _ level: Int) {
        guard let indent, !indent.isEmpty else { return }
        out += "\n" + String(repeating: indent, count: level)
    }
}
