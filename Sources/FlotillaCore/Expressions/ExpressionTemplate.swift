/// Text with embedded `${{ }}` expressions, split into literal and expression parts.
struct ExpressionTemplate: Sendable {
    enum Part: Sendable {
        case literal(String)
        /// The parsed expression, its inner source text, and its `${{` offset.
        case expression(ExpressionNode, source: String, offset: Int)
    }

    var parts: [Part]

    /// Splits `text`; errors carry Character offsets into `text`.
    static func parse(_ text: String) -> Result<ExpressionTemplate, ExpressionError> {
        let chars = Array(text)
        var parts: [Part] = []
        var literal = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "{", chars[i + 2] == "{" {
                // The expression ends at the first `}}` outside a string literal.
                var j = i + 3
                var inString = false
                var end: Int?
                while j < chars.count {
                    if chars[j] == "'" { inString.toggle() }
                    else if !inString, chars[j] == "}", j + 1 < chars.count, chars[j + 1] == "}" { end = j; break }
                    j += 1
                }
                guard let end else {
                    return .failure(ExpressionError(offset: i, message: "unclosed '${{': expected '}}' to end the expression"))
                }
                let inner = String(chars[(i + 3)..<end])
                do {
                    let node = try ExpressionParser.parse(inner, base: i + 3)
                    if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                    parts.append(.expression(node, source: inner, offset: i))
                } catch {
                    return .failure(error)
                }
                i = end + 2
            } else {
                literal.append(chars[i])
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return .success(ExpressionTemplate(parts: parts))
    }

    /// Every expression part evaluated and converted to text.
    func interpolate(_ context: ExpressionContext) throws(ExpressionError) -> String {
        var out = ""
        let evaluator = ExpressionEvaluator(context: context)
        for part in parts {
            switch part {
            case .literal(let s): out += s
            case .expression(let node, _, let offset):
                do { out += try evaluator.evaluate(node).stringValue } catch {
                    throw ExpressionError(offset: offset, message: error.message)
                }
            }
        }
        return out
    }

    /// A template that is exactly one expression (`${{ x }}` with nothing around it) evaluates
    /// to the expression's value with its type; anything else evaluates to a string.
    func evaluate(_ context: ExpressionContext) throws(ExpressionError) -> ExpressionValue {
        if parts.count == 1, case .expression(let node, _, let offset) = parts[0] {
            do { return try ExpressionEvaluator(context: context).evaluate(node) } catch {
                throw ExpressionError(offset: offset, message: error.message)
            }
        }
        return .string(try interpolate(context))
    }

    /// Substitutes expressions that read only `known` contexts (and call no status function);
    /// others are kept as `${{ … }}` for later, with any known sub-expressions folded to literals.
    func resolve(_ context: ExpressionContext, known: Set<String>) throws(ExpressionError) -> String {
        var out = ""
        let evaluator = ExpressionEvaluator(context: context)
        for part in parts {
            switch part {
            case .literal(let s): out += s
            case .expression(let node, let source, let offset):
                if ExpressionFolder.isKnown(node, known: known, context: context) {
                    do { out += try evaluator.evaluate(node).stringValue } catch {
                        throw ExpressionError(offset: offset, message: error.message)
                    }
                } else {
                    let folded = try ExpressionFolder(evaluator: evaluator, known: known).fold(node)
                    out += "${{ " + (folded == node ? source.trimmingWhitespace : folded.source) + " }}"
                }
            }
        }
        return out
    }
}

/// Replaces sub-expressions that depend only on known contexts with their values.
struct ExpressionFolder {
    let evaluator: ExpressionEvaluator
    let known: Set<String>

    /// Whether `node` can be evaluated now: it reads only `known` contexts, calls no status
    /// function, and reads no `github.<member>` that the context lacks (such as
    /// `github.workspace`, which only the agent knows).
    static func isKnown(_ node: ExpressionNode, known: Set<String>, context: ExpressionContext) -> Bool {
        guard node.contexts.isSubset(of: known), !node.callsStatusFunction else { return false }
        var missing = false
        node.visit { n in
            switch n {
            case .property(.context("github"), let name):
                if context["github"].member(name) == nil { missing = true }
            case .index(.context("github"), let key):
                if case .literal(let k) = key { if context["github"].member(k.stringValue) == nil { missing = true } }
                else { missing = true }
            case .wildcard(.context("github")):
                missing = true
            default:
                break
            }
        }
        return !missing
    }

    /// A path such as `github.workspace` that cannot be folded whole stays a path: folding its
    /// `github` prefix into an object literal would be correct but unreadable.
    private func foldTarget(_ node: ExpressionNode) throws(ExpressionError) -> ExpressionNode {
        switch node {
        case .context: return node
        case .property(let a, let n): return .property(try foldTarget(a), n)
        case .index(let a, let b): return .index(try foldTarget(a), try fold(b))
        case .wildcard(let a): return .wildcard(try foldTarget(a))
        default: return try fold(node)
        }
    }

    func fold(_ node: ExpressionNode) throws(ExpressionError) -> ExpressionNode {
        if !node.contexts.isEmpty, Self.isKnown(node, known: known, context: evaluator.context) {
            return .literal(try evaluator.evaluate(node))
        }
        switch node {
        case .literal, .context: return node
        case .property(let a, let n): return .property(try foldTarget(a), n)
        case .index(let a, let b): return .index(try foldTarget(a), try fold(b))
        case .wildcard(let a): return .wildcard(try foldTarget(a))
        case .not(let a): return .not(try fold(a))
        case .binary(let op, let a, let b): return .binary(op, try fold(a), try fold(b))
        case .call(let f, let args):
            var folded: [ExpressionNode] = []
            for a in args { folded.append(try fold(a)) }
            return .call(f, folded)
        }
    }
}
