/// The syntax tree of one expression.
indirect enum ExpressionNode: Sendable, Equatable {
    enum BinaryOperator: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case and = "&&", or = "||"
    }

    case literal(ExpressionValue)
    /// A top-level named value such as `matrix` or `steps` (stored lowercased).
    case context(String)
    /// `a.b`
    case property(ExpressionNode, String)
    /// `a[b]`
    case index(ExpressionNode, ExpressionNode)
    /// `a.*`
    case wildcard(ExpressionNode)
    case not(ExpressionNode)
    case binary(BinaryOperator, ExpressionNode, ExpressionNode)
    /// Function name lowercased.
    case call(String, [ExpressionNode])

    static let statusFunctions: Set<String> = ["success", "failure", "always", "cancelled"]

    /// Every context the expression reads.
    var contexts: Set<String> {
        var result: Set<String> = []
        visit { if case .context(let c) = $0 { result.insert(c) } }
        return result
    }

    /// Whether the expression calls `success()`, `failure()`, `always()` or `cancelled()`.
    var callsStatusFunction: Bool {
        var found = false
        visit { if case .call(let f, _) = $0, Self.statusFunctions.contains(f) { found = true } }
        return found
    }

    func visit(_ body: (ExpressionNode) -> Void) {
        body(self)
        switch self {
        case .literal, .context: break
        case .property(let a, _), .wildcard(let a), .not(let a): a.visit(body)
        case .index(let a, let b), .binary(_, let a, let b): a.visit(body); b.visit(body)
        case .call(_, let args): for a in args { a.visit(body) }
        }
    }

    /// Expression source that parses back to this tree.
    var source: String {
        switch self {
        case .literal(let v): return Self.literalSource(v)
        case .context(let c): return c
        case .property(let a, let name): return "\(a.postfixSource).\(name)"
        case .index(let a, let i): return "\(a.postfixSource)[\(i.source)]"
        case .wildcard(let a): return "\(a.postfixSource).*"
        case .not(let a): return "!\(a.postfixSource)"
        case .binary(let op, let a, let b): return "(\(a.source) \(op.rawValue) \(b.source))"
        case .call(let f, let args): return "\(f)(\(args.map(\.source).joined(separator: ", ")))"
        }
    }

    private var postfixSource: String {
        switch self {
        case .binary: return source
        case .literal(let v):
            if case .number(let n) = v, n < 0 { return "(\(source))" }
            return source
        default: return source
        }
    }

    static func literalSource(_ v: ExpressionValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            if n.isNaN { return "NaN" }
            if n.isInfinite { return n > 0 ? "Infinity" : "-Infinity" }
            return ExpressionValue.formatNumber(n)
        case .string(let s): return quote(s)
        case .array, .object: return "fromJSON(\(quote(JSONWriter.compact(v))))"
        }
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// A parsed `${{ }}` expression, ready to evaluate any number of times.
public struct ParsedExpression: Sendable, Equatable, CustomStringConvertible {
    let root: ExpressionNode

    /// The contexts it reads (`matrix`, `steps`, …), lowercased.
    public var contexts: Set<String> { root.contexts }
    /// Whether it calls a status function; if not, a condition gets an implicit `success() &&`.
    public var callsStatusFunction: Bool { root.callsStatusFunction }
    /// Canonical source text (fully parenthesised binary operators).
    public var description: String { root.source }
}
