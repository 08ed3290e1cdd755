/// Turns a loaded `Pipeline` into a `Plan`: expands matrices, resolves plan-time
/// expressions, assigns unique job ids and expands `needs`.
///
/// Plan-time expressions: `${{ matrix.* }}`, `${{ env.* }}`, `${{ strategy.* }}` and
/// `${{ github.* }}` (members from `PlanOptions.github` plus `github.job`) are resolved in job
/// `name`, `runs-on`, `env`, `timeout-minutes`, `continue-on-error`, `strategy` values, and in
/// step `name`, `run`, `env`, `working-directory`, `timeout-minutes`, `continue-on-error`.
/// Expressions that read runtime-only contexts (`steps`, `runner`, `job`, `needs`, or a
/// `github` member not known at plan time such as `github.workspace`) are left in place as
/// `${{ … }}` — with their plan-time parts folded to literals — for the agent to interpolate
/// with `Expression.interpolate`. `if:` conditions are kept as expressions
/// (without `${{ }}`) with plan-time parts folded, for `Expression.evaluateCondition`.
///
/// Env precedence: `PlannedJob.env` is the workflow env overridden by the job env;
/// `PlannedStep.env` holds only the step's own env, which the agent applies over the job's.
public enum Planner {
    /// Plans a pipeline.
    ///
    /// - Parameters:
    ///   - pipeline: A pipeline from `PipelineLoader`.
    ///   - options: Plan-time choices (`skipUses`, matrix limit, `github` context).
    /// - Returns: Jobs in workflow order, matrix combinations in matrix order; warnings
    ///   (as `FILE:LINE:COL: warning: …`) include the loader's.
    /// - Throws: `PipelineLoadError` with every planning error (matrix too large, unsupported
    ///   `uses:` steps, expressions that fail to evaluate, bad resolved values).
    public static func plan(_ pipeline: Pipeline, options: PlanOptions = .init()) throws(PipelineLoadError) -> Plan {
        var builder = PlanBuilder(pipeline: pipeline, options: options)
        let jobs = builder.build()
        let all = pipeline.warnings + builder.diagnostics
        guard !all.contains(where: { $0.severity == .error }) else {
            throw PipelineLoadError(diagnostics: builder.diagnostics.filter { $0.severity == .error })
        }
        return Plan(jobs: jobs, warnings: all.map(\.description), gates: pipeline.gates)
    }
}

/// The mutable state of one planning pass.
struct PlanBuilder {
    static let planTimeContexts: Set<String> = ["matrix", "env", "github", "strategy"]

    let pipeline: Pipeline
    let options: PlanOptions
    var diagnostics: [Diagnostic] = []
    private var takenIDs: Set<String> = []
    private var reported: Set<String> = []

    init(pipeline: Pipeline, options: PlanOptions) {
        self.pipeline = pipeline; self.options = options
        takenIDs = Set(pipeline.jobs.map(\.key))
    }

    mutating func error(_ message: String, at location: SourcePosition) {
        report(Diagnostic(file: pipeline.fileName, line: location.line, column: location.column, severity: .error, message: message))
    }

    mutating func warning(_ message: String, at location: SourcePosition) {
        report(Diagnostic(file: pipeline.fileName, line: location.line, column: location.column, severity: .warning, message: message))
    }

    /// Matrix combinations repeat the same findings; each is reported once.
    private mutating func report(_ d: Diagnostic) {
        if reported.insert(d.description).inserted { diagnostics.append(d) }
    }

    mutating func build() -> [PlannedJob] {
        var planned: [PlannedJob] = []
        var idsByKey: [String: [String]] = [:]
        for job in pipeline.jobs {
            let jobs = plan(job)
            idsByKey[job.key] = jobs.map(\.id)
            planned += jobs
        }
        for i in planned.indices {
            let needs = pipeline.job(planned[i].jobKey)?.needs ?? []
            planned[i].needs = needs.flatMap { idsByKey[$0.value] ?? [] }
        }
        return planned
    }

    /// A unique, readable id: the job key plus the combination's values, sanitized.
    mutating func uniqueID(key: String, values: [String]) -> String {
        var id = key
        for value in values {
            let part = Self.sanitize(value)
            if !part.isEmpty { id += "-" + part }
        }
        var candidate = id
        var n = 2
        while takenIDs.contains(candidate) { candidate = "\(id)-\(n)"; n += 1 }
        takenIDs.insert(candidate)
        return candidate
    }

    /// Keeps `[A-Za-z0-9._]`, turns everything else into single dashes.
    static func sanitize(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar.isASCIILetter || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, out.last != "-" {
                out += "-"
            }
        }
        while out.last == "-" { out.removeLast() }
        return out
    }

    // MARK: Expression helpers

    /// Resolves plan-time expressions in a text, leaving runtime ones for the agent.
    mutating func resolve(_ t: PipelineText, _ context: ExpressionContext, what: String,
                          known: Set<String> = PlanBuilder.planTimeContexts) -> String? {
        guard t.hasExpression else { return t.text }
        do {
            return try Expression.resolve(t.text, context: context, known: known)
        } catch {
            self.error("\(what): \(error.message)", at: t.location(ofOffset: error.offset))
            return nil
        }
    }

    /// Evaluates a field that must be fully known at plan time, keeping the value's type when
    /// the text is a single `${{ }}`.
    mutating func value(_ t: PipelineText, _ context: ExpressionContext, what: String) -> ExpressionValue? {
        guard t.hasExpression else { return t.value }
        guard case .success(let template) = ExpressionTemplate.parse(t.text) else { return nil }
        for case .expression(let node, _, let offset) in template.parts
        where !ExpressionFolder.isKnown(node, known: Self.planTimeContexts, context: context) {
            let runtime = node.contexts.subtracting(Self.planTimeContexts).sorted()
            let detail = runtime.isEmpty ? "a value not known at plan time" : runtime.map { "'\($0)'" }.joined(separator: ", ")
            error("\(what) uses \(detail), which is only known while the job runs; only matrix, env, github and strategy can be used here",
                  at: t.location(ofOffset: offset))
            return nil
        }
        do {
            return try template.evaluate(context)
        } catch {
            self.error("\(what): \(error.message)", at: t.location(ofOffset: error.offset))
            return nil
        }
    }

    /// Folds plan-time parts of an `if:` condition.
    mutating func condition(_ t: PipelineText?, _ context: ExpressionContext, what: String) -> String {
        guard let t else { return "" }
        if case .bool(let b) = t.value { return b ? "true" : "false" }
        do {
            return try Expression.specialize(t.text, context: context, known: Self.planTimeContexts)
        } catch {
            self.error("\(what): \(error.message)", at: t.location(ofOffset: error.offset))
            return ""
        }
    }

    /// Minutes (fractions allowed) to milliseconds; nil field means no limit.
    mutating func timeout(_ t: PipelineText?, _ context: ExpressionContext) -> UInt64 {
        guard let t, let v = value(t, context, what: "timeout-minutes") else { return 0 }
        let minutes = v.numberValue
        if case .string = v, v.stringValue.trimmingWhitespace.isEmpty { return 0 }
        guard minutes.isFinite, minutes > 0, minutes < 1e9 else {
            error("invalid 'timeout-minutes': expected a number of minutes greater than 0, found \(Self.describe(v))", at: t.location)
            return 0
        }
        return UInt64((minutes * 60_000).rounded())
    }

    /// `true`/`false` written plainly or produced by an expression.
    mutating func flag(_ t: PipelineText?, _ context: ExpressionContext, what: String, default def: Bool) -> Bool {
        guard let t, let v = value(t, context, what: what) else { return def }
        switch v {
        case .bool(let b): return b
        case .string(let s) where s.lowercased() == "true": return true
        case .string(let s) where s.lowercased() == "false" || s.isEmpty: return false
        default:
            error("invalid '\(what)': expected true or false, found \(Self.describe(v))", at: t.location)
            return def
        }
    }

    static func describe(_ v: ExpressionValue) -> String {
        switch v {
        case .string(let s): return "string '\(s)'"
        case .number(let n): return "number \(ExpressionValue.formatNumber(n))"
        case .bool(let b): return "boolean \(b)"
        case .null: return "null"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
