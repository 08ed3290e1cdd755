extension PlanBuilder {
    /// All planned jobs (one per matrix combination) of one `jobs.<key>` entry.
    mutating func plan(_ job: PipelineJob) -> [PlannedJob] {
        var base = ExpressionContext()
        base["github"] = githubContext(job.key)
        let workflowEnv = resolveEnv(pipeline.env, base, what: "env")
        base["env"] = Self.envObject(workflowEnv)

        let strategy = job.strategy
        let failFast = flag(strategy?.failFast, base, what: "fail-fast", default: true)
        var maxParallel = 0
        if let t = strategy?.maxParallel, let v = value(t, base, what: "max-parallel") {
            let n = v.numberValue
            if n.isFinite, n >= 1, n == n.rounded(), n < 1e6 { maxParallel = Int(n) }
            else { error("invalid 'max-parallel': expected a whole number of jobs of at least 1, found \(Self.describe(v))", at: t.location) }
        }

        var combos: [MatrixExpander.Combination] = [[]]
        let isMatrix = strategy?.matrix != nil
        if let matrix = strategy?.matrix {
            guard let expanded = combinations(matrix, base) else { return [] }
            combos = expanded
        }

        var planned: [PlannedJob] = []
        for (index, combo) in combos.enumerated() {
            var context = base
            context["matrix"] = .object(combo)
            context["strategy"] = .object([
                ("fail-fast", .bool(failFast)), ("job-index", .number(Double(index))),
                ("job-total", .number(Double(combos.count))), ("max-parallel", .number(Double(maxParallel == 0 ? combos.count : maxParallel))),
            ])
            let jobEnv = Self.merge(workflowEnv, resolveEnv(job.env, context, what: "jobs.\(job.key).env"))
            context["env"] = Self.envObject(jobEnv)

            let displayValues = combo.map { Self.displayValue($0.value) }
            let suffix = isMatrix ? " (\(displayValues.joined(separator: ", ")))" : ""
            var displayName = job.key + suffix
            if let name = job.name, let resolved = resolve(name, context, what: "jobs.\(job.key).name") {
                displayName = name.hasExpression ? resolved : resolved + suffix
            }
            let id = isMatrix ? uniqueID(key: job.key, values: displayValues) : job.key
            let matrix = combo.map { MatrixEntry(axis: $0.key, value: Self.entryValue($0.value), typedValue: $0.value) }

            planned.append(PlannedJob(
                id: id, jobKey: job.key, displayName: displayName, matrix: matrix,
                runsOn: runsOn(job, context), env: jobEnv.map { EnvPair(name: $0.name, value: $0.value) },
                timeoutMillis: timeout(job.timeoutMinutes, context),
                continueOnError: flag(job.continueOnError, context, what: "continue-on-error", default: false),
                condition: condition(job.condition, context, what: "jobs.\(job.key).if"),
                matrixGroup: isMatrix ? job.key : "", failFast: failFast, maxParallel: maxParallel,
                steps: steps(job, context, jobEnv: jobEnv)))
            planned[planned.count - 1].shard = shardSpec(job.shard, context)
            planned[planned.count - 1].artifacts = artifactSpecs(job, context)
            planned[planned.count - 1].retry = job.retry ?? .default
            planned[planned.count - 1].benchmark = job.benchmark
        }
        return planned
    }

    private func githubContext(_ jobKey: String) -> ExpressionValue {
        var members = options.github.sorted { $0.key < $1.key }.map { (key: $0.key, value: ExpressionValue.string($0.value)) }
        members.removeAll { $0.key == "job" }
        members.append((key: "job", value: .string(jobKey)))
        return .object(members)
    }

    private mutating func combinations(_ m: PipelineMatrix, _ context: ExpressionContext) -> [MatrixExpander.Combination]? {
        var matrix = m
        if let expression = m.expression {
            guard let v = value(expression, context, what: "strategy.matrix") else { return nil }
            guard case .object(let members) = v else {
                error("strategy.matrix: the expression must produce an object of axes, found \(Self.describe(v))", at: expression.location)
                return nil
            }
            for member in members {
                switch (member.key, member.value) {
                case ("include", .array(let items)), ("exclude", .array(let items)):
                    let located = items.map { Located($0, at: expression.location) }
                    guard items.allSatisfy({ if case .object = $0 { true } else { false } }) else {
                        error("strategy.matrix: '\(member.key)' must be a list of objects", at: expression.location)
                        return nil
                    }
                    if member.key == "include" { matrix.include = located } else { matrix.exclude = located }
                case (_, .array(let values)) where !values.isEmpty:
                    matrix.axes.append(PipelineMatrix.Axis(name: member.key, values: values, location: expression.location))
                default:
                    error("strategy.matrix: axis '\(member.key)' must be a non-empty list, found \(Self.describe(member.value))", at: expression.location)
                    return nil
                }
            }
            if matrix.axes.isEmpty && matrix.include.isEmpty {
                error("strategy.matrix: the expression produced no axes and no 'include' entries", at: expression.location)
                return nil
            }
        }
        do {
            return try MatrixExpander.expand(matrix, limit: options.maxMatrixJobs)
        } catch {
            self.error(error.message, at: error.location)
            return nil
        }
    }

    private mutating func runsOn(_ job: PipelineJob, _ context: ExpressionContext) -> [String] {
        var labels: [String] = []
        for t in job.runsOn {
            guard let v = value(t, context, what: "runs-on") else { continue }
            let items: [ExpressionValue]
            if case .array(let a) = v { items = a } else { items = [v] }
            for item in items {
                switch item {
                case .string, .number, .bool:
                    let label = item.stringValue.trimmingWhitespace
                    if label.isEmpty { error("runs-on: the label is empty after evaluating '\(t.text)'", at: t.location) }
                    else if !labels.contains(label) { labels.append(label) }
                default:
                    error("runs-on: expected a label or a list of labels, found \(Self.describe(item))", at: t.location)
                }
            }
        }
        return labels
    }

    /// Resolves `env:` values; `context.env` is what the values may read.
    mutating func resolveEnv(_ vars: [PipelineEnvVar], _ context: ExpressionContext, what: String) -> [(name: String, value: String)] {
        vars.compactMap { v in
            resolve(v.value, context, what: "\(what).\(v.name)").map { (name: v.name, value: $0) }
        }
    }

    /// Later entries override earlier ones with the same name, keeping the first position.
    static func merge(_ base: [(name: String, value: String)], _ over: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var result = base
        var index: [String: Int] = [:]
        for (i, entry) in result.enumerated() where index[entry.name] == nil { index[entry.name] = i }
        for entry in over {
            if let i = index[entry.name] { result[i].value = entry.value } else {
                index[entry.name] = result.count
                result.append(entry)
            }
        }
        return result
    }

    static func envObject(_ env: [(name: String, value: String)]) -> ExpressionValue {
        .object(env.map { (key: $0.name, value: .string($0.value)) })
    }

    /// How GitHub shows a matrix value in a job name: scalars as text, lists and objects as
    /// their leaf values joined by ", ".
    static func displayValue(_ v: ExpressionValue) -> String {
        switch v {
        case .array(let items): return items.map(displayValue).joined(separator: ", ")
        case .object(let members): return members.map { displayValue($0.value) }.joined(separator: ", ")
        default: return v.stringValue
        }
    }

    /// `MatrixEntry.value`: scalars as text, lists and objects as compact JSON.
    static func entryValue(_ v: ExpressionValue) -> String {
        switch v {
        case .array, .object: return JSONWriter.compact(v)
        default: return v.stringValue
        }
    }
}
