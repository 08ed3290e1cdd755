/// GitHub Actions expressions (`${{ … }}`): parsing, evaluation and string interpolation.
///
/// Semantics follow GitHub's documentation: loose equality with coercion to numbers when the
/// kinds differ (null → 0, booleans → 0/1, strings parsed as numbers), case-insensitive string
/// comparison, `&&`/`||` returning an operand, and `contains`, `startsWith`, `endsWith`,
/// `format`, `join`, `toJSON`, `fromJSON`, `success()`, `failure()`, `always()`, `cancelled()`.
public enum Expression {
    /// Parses one expression (without `${{ }}`).
    ///
    /// - Throws: `ExpressionError` whose offset is a Character offset into `source`.
    public static func parse(_ source: String) throws(ExpressionError) -> ParsedExpression {
        ParsedExpression(root: try ExpressionParser.parse(source))
    }

    /// Evaluates a parsed expression.
    public static func evaluate(_ expression: ParsedExpression, context: ExpressionContext) throws(ExpressionError) -> ExpressionValue {
        try ExpressionEvaluator(context: context).evaluate(expression.root)
    }

    /// Evaluates an expression's source text.
    public static func evaluate(_ source: String, context: ExpressionContext) throws(ExpressionError) -> ExpressionValue {
        try evaluate(try parse(source), context: context)
    }

    /// Evaluates an `if:` condition the way GitHub does.
    ///
    /// An empty condition means `success()`. A condition without `success()`, `failure()`,
    /// `always()` or `cancelled()` gets an implicit `success() && (…)`. A condition wrapped in
    /// `${{ }}` is unwrapped first.
    ///
    /// - Returns: Whether the job or step should run.
    public static func evaluateCondition(_ source: String, context: ExpressionContext) throws(ExpressionError) -> Bool {
        var text = source.trimmingWhitespace
        if text.hasPrefix("${{"), text.hasSuffix("}}") { text = String(text.dropFirst(3).dropLast(2)) }
        if text.trimmingWhitespace.isEmpty { return context.jobStatus == .success }
        let parsed = try parse(text)
        let value = try evaluate(parsed, context: context)
        if parsed.callsStatusFunction { return value.isTruthy }
        return context.jobStatus == .success && value.isTruthy
    }

    /// Replaces every `${{ }}` in `template` with its value as text.
    ///
    /// - Throws: `ExpressionError` (offset into `template`) on a syntax or evaluation error.
    public static func interpolate(_ template: String, context: ExpressionContext) throws(ExpressionError) -> String {
        guard template.contains("${{") else { return template }
        switch ExpressionTemplate.parse(template) {
        case .success(let t): return try t.interpolate(context)
        case .failure(let e): throw e
        }
    }

    /// Like `interpolate`, but only expressions whose contexts are all in `known` are
    /// replaced; the rest stay as `${{ … }}` (with known parts folded to literals) for a later
    /// stage — the planner uses this to leave `steps`, `runner` and `job` to the agent.
    public static func resolve(_ template: String, context: ExpressionContext, known: Set<String>) throws(ExpressionError) -> String {
        guard template.contains("${{") else { return template }
        switch ExpressionTemplate.parse(template) {
        case .success(let t): return try t.resolve(context, known: known)
        case .failure(let e): throw e
        }
    }

    /// Folds the known-context parts of a bare expression (an `if:` condition) to literals and
    /// returns its source text; a fully known condition keeps its status-function semantics
    /// because status functions are never folded.
    public static func specialize(_ source: String, context: ExpressionContext, known: Set<String>) throws(ExpressionError) -> String {
        let parsed = try parse(source)
        let folded = try ExpressionFolder(evaluator: ExpressionEvaluator(context: context), known: known).fold(parsed.root)
        return folded == parsed.root ? source.trimmingWhitespace : folded.source
    }
}
