/// The value a scalar stands for under the YAML 1.2 core schema.
///
/// GitHub Actions reads workflows with YAML 1.2 rules, so `on`, `yes` and `no` stay strings;
/// only `true`/`false`, the null spellings and numbers are resolved. Quoted and block scalars
/// are always strings.
public enum ResolvedScalar: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
}

extension YAMLScalar {
    /// The core-schema value of this scalar; explicit `!!str`/`!!int`… tags are honoured.
    public var resolved: ResolvedScalar {
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str": return .string(text)
            case "tag:yaml.org,2002:null": return .null
            default: break
            }
        } else if !style.isPlain {
            return .string(text)
        }
        return Self.resolvePlain(text)
    }

    static func resolvePlain(_ t: String) -> ResolvedScalar {
        switch t {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        guard let first = t.unicodeScalars.first,
              first == "-" || first == "+" || first == "." || ("0"..."9").contains(first) else {
            return .string(t)
        }
        if t.hasPrefix("0x"), let v = Int(t.dropFirst(2), radix: 16) { return .int(v) }
        if t.hasPrefix("0o"), let v = Int(t.dropFirst(2), radix: 8) { return .int(v) }
        if isDecimalInteger(t), let v = Int(t) { return .int(v) }
        if isDecimalFloat(t), let v = Double(t) { return .double(v) }
        return .string(t)
    }

    /// `[-+]?[0-9]+`
    private static func isDecimalInteger(_ t: String) -> Bool {
        var u = Substring(t)
        if u.first == "-" || u.first == "+" { u = u.dropFirst() }
        return !u.isEmpty && u.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isDecimalFloat(_ t: String) -> Bool {
        var chars = Array(t.utf8)[...]
        func digits() -> Int {
            var n = 0
            while let c = chars.first, c >= 48, c <= 57 { chars = chars.dropFirst(); n += 1 }
            return n
        }
        if chars.first == UInt8(ascii: "-") || chars.first == UInt8(ascii: "+") { chars = chars.dropFirst() }
        let intDigits = digits()
        var fracDigits = 0
        if chars.first == UInt8(ascii: ".") { chars = chars.dropFirst(); fracDigits = digits() }
        guard intDigits + fracDigits > 0 else { return false }
        if chars.first == UInt8(ascii: "e") || chars.first == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            if chars.first == UInt8(ascii: "-") || chars.first == UInt8(ascii: "+") { chars = chars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return chars.isEmpty
    }
}
