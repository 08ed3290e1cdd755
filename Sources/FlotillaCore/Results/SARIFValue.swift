/// Typed, path-reporting access to members of a parsed JSON value.
///
/// A member that is absent or `null` reads as nil; one of the wrong type is an error that names
/// its path, so a bad SARIF file says exactly which field is wrong. Keys match exactly (JSON and
/// SARIF are case-sensitive, unlike `ExpressionValue.member`).
enum SARIFValue {
    static func member(_ holder: ExpressionValue?, _ key: String) -> ExpressionValue? {
        guard case .object(let members)? = holder else { return nil }
        return members.first { $0.key == key }?.value
    }

    static func object(_ holder: ExpressionValue?, _ key: String, _ path: String) throws(ResultParseError) -> ExpressionValue? {
        guard let v = present(holder, key) else { return nil }
        guard case .object = v else { throw wrongType(path, "an object", v) }
        return v
    }

    static func array(_ holder: ExpressionValue?, _ key: String, _ path: String) throws(ResultParseError) -> [ExpressionValue]? {
        guard let v = present(holder, key) else { return nil }
        guard case .array(let items) = v else { throw wrongType(path, "a list", v) }
        return items
    }

    static func string(_ holder: ExpressionValue?, _ key: String, _ path: String) throws(ResultParseError) -> String? {
        guard let v = present(holder, key) else { return nil }
        guard case .string(let s) = v else { throw wrongType(path, "a string", v) }
        return s
    }

    static func integer(_ holder: ExpressionValue?, _ key: String, _ path: String) throws(ResultParseError) -> Int? {
        guard let v = present(holder, key) else { return nil }
        guard case .number(let n) = v, n.isFinite, n == n.rounded(), abs(n) < 1e15 else { throw wrongType(path, "a whole number", v) }
        return Int(n)
    }

    private static func present(_ holder: ExpressionValue?, _ key: String) -> ExpressionValue? {
        guard let v = member(holder, key), v != .null else { return nil }
        return v
    }

    private static func wrongType(_ path: String, _ expected: String, _ found: ExpressionValue) -> ResultParseError {
        ResultParseError(.sarif, .invalid, "\(path): expected \(expected), found \(describe(found))")
    }

    /// A short description of a value for messages.
    static func describe(_ v: ExpressionValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .number(let n): return "number \(JSONWriter.number(n))"
        case .string(let s): return "string '\(s.count > 40 ? String(s.prefix(37)) + "..." : s)'"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
