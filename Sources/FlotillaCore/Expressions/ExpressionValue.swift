import Foundation

/// A value in GitHub Actions' expression language (the JSON data model).
///
/// Objects keep their key order so that matrix combinations, `toJSON` output and display
/// names are deterministic and match the order in the workflow file.
public enum ExpressionValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ExpressionValue])
    /// Ordered members; keys are unique.
    case object([(key: String, value: ExpressionValue)])

    public static func == (a: ExpressionValue, b: ExpressionValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// Looks up an object member; GitHub matches property names case-insensitively.
    public func member(_ name: String) -> ExpressionValue? {
        guard case .object(let members) = self else { return nil }
        if let exact = members.first(where: { $0.key == name }) { return exact.value }
        let lower = name.lowercased()
        return members.first { $0.key.lowercased() == lower }?.value
    }

    /// Truthiness: false for null, false, 0, NaN and ""; true for everything else.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n != 0 && !n.isNaN
        case .string(let s): return !s.isEmpty
        case .array, .object: return true
        }
    }

    /// The value converted to a number with GitHub's rules (null→0, bool→0/1, string parsed
    /// leniently with "" → 0 and anything unparsable → NaN, arrays/objects → NaN).
    public var numberValue: Double {
        switch self {
        case .null: return 0
        case .bool(let b): return b ? 1 : 0
        case .number(let n): return n
        case .string(let s): return Self.parseNumber(s)
        case .array, .object: return .nan
        }
    }

    /// The value as text the way GitHub interpolates it into strings: null → "",
    /// booleans → "true"/"false", whole numbers without a fraction, arrays and objects as
    /// "Array" / "Object" (GitHub's behaviour; use `toJSON` for structure).
    public var stringValue: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return Self.formatNumber(n)
        case .string(let s): return s
        case .array: return "Array"
        case .object: return "Object"
        }
    }

    /// The kind as GitHub names it in messages: Null, Boolean, Number, String, Array, Object.
    public var kindName: String {
        switch self {
        case .null: return "Null"
        case .bool: return "Boolean"
        case .number: return "Number"
        case .string: return "String"
        case .array: return "Array"
        case .object: return "Object"
        }
    }

    /// Formats like .NET's "G15" which GitHub uses: integers plainly, others with up to 15
    /// significant digits (so `3.10` in YAML becomes `3.1`, as on GitHub).
    public static func formatNumber(_ n: Double) -> String {
        if n.isNaN { return "NaN" }
        if n.isInfinite { return n > 0 ? "Infinity" : "-Infinity" }
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return String(format: "%.15G", n)
    }

    /// Parses a number the way GitHub converts strings: trimmed decimal, `0x` hex, `0o` octal,
    /// exponents, `Infinity`; empty/whitespace is 0; anything else NaN.
    public static func parseNumber(_ raw: String) -> Double {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.isEmpty { return 0 }
        var body = Substring(s)
        var sign = 1.0
        if body.first == "-" { sign = -1; body = body.dropFirst() } else if body.first == "+" { body = body.dropFirst() }
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            guard let v = UInt64(body.dropFirst(2), radix: 16) else { return .nan }
            return sign * Double(v)
        }
        if body.hasPrefix("0o") || body.hasPrefix("0O") {
            guard let v = UInt64(body.dropFirst(2), radix: 8) else { return .nan }
            return sign * Double(v)
        }
        if body == "Infinity" { return sign * .infinity }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }),
              let v = Double(body) else { return .nan }
        return sign * v
    }
}
