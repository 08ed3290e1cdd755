internal import FlotillaYAML

extension PipelineReader {
    static let jobKeys = ["name", "runs-on", "needs", "env", "timeout-minutes", "continue-on-error", "if",
                          "defaults", "strategy", "steps", "shard", "artifacts", "retry", "benchmark"]
    static let ignoredJobKeys = ["permissions", "concurrency", "environment"]
    static let strategyKeys = ["matrix", "fail-fast", "max-parallel"]

    /// One `jobs.<key>` entry.
    mutating func job(_ key: Located<String>, _ node: YAMLNode) -> PipelineJob? {
        let context = "job '\(key.value)'"
        guard let pairs = mapping(node, context) else { return nil }
        var job = PipelineJob(key: key.value, location: key.location, name: nil, runsOn: [], needs: [], env: [],
                              timeoutMinutes: nil, continueOnError: nil, condition: nil,
                              defaults: PipelineRunDefaults(), strategy: nil, steps: [])
        var sawRunsOn = false, sawSteps = false
        var benchmarkKey: SourcePosition?
        for field in fields(pairs, allowed: Self.jobKeys, ignored: Self.ignoredJobKeys, in: context) {
            let what = "jobs.\(key.value).\(field.name)"
            switch field.name {
            case "name": job.name = text(field.value, what)
            case "runs-on":
                sawRunsOn = true
                job.runsOn = runsOn(field.value, what)
            case "needs":
                job.needs = needs(field.value, what)
            case "env": job.env = env(field.value, what)
            case "timeout-minutes":
                job.timeoutMinutes = number(field.value, "timeout-minutes", expected: "a number of minutes")
                checkPositive(job.timeoutMinutes, "timeout-minutes")
            case "continue-on-error": job.continueOnError = boolean(field.value, "continue-on-error")
            case "if": job.condition = condition(field.value, what)
            case "defaults": job.defaults = defaults(field.value, what)
            case "strategy": job.strategy = strategy(field.value, what)
            case "steps":
                sawSteps = true
                job.steps = steps(field.value, what)
            case "shard": job.shard = shard(field.value, what, key: loc(field.key))
            case "artifacts": job.artifacts = artifacts(field.value, what)
            case "retry": job.retry = retry(field.value, "\(what).retry")
            case "benchmark":
                benchmarkKey = loc(field.key)
                job.benchmark = benchmark(field.value, what)
            default: preconditionFailure("unhandled job key \(field.name)")
            }
        }
        if let benchmarkKey, pairs.contains(where: { $0.key.scalar?.text == "shard" }) {
            error("\(context) has both 'benchmark' and 'shard'; a benchmark job runs whole on one machine, so it cannot be sharded",
                  at: benchmarkKey)
        }
        if !sawRunsOn { error("\(context) has no 'runs-on'; name the labels an agent must carry", at: key.location) }
        if !sawSteps { error("\(context) has no 'steps'", at: key.location) }
        return job
    }

    /// `runs-on`: a label, a list of labels, or an expression; `group`/`labels` mappings are GitHub-only.
    private mutating func runsOn(_ node: YAMLNode, _ what: String) -> [PipelineText] {
        if node.mapping != nil {
            error("\(what): runner groups are not supported; give a label or a list of labels", at: loc(node))
            return []
        }
        let labels = textList(node, what)
        for label in labels where label.text.trimmingWhitespace.isEmpty {
            error("\(what): a label cannot be empty", at: label.location)
        }
        return labels
    }

    private mutating func needs(_ node: YAMLNode, _ what: String) -> [Located<String>] {
        let items = node.sequence ?? [node]
        var result: [Located<String>] = []
        var seen: Set<String> = []
        for item in items {
            guard let need = literal(item, what) else { continue }
            guard seen.insert(need.value).inserted else {
                warning("\(what): '\(need.value)' is listed twice", at: need.location)
                continue
            }
            result.append(need)
        }
        return result
    }

    /// Numbers must be positive; fractions are allowed (GitHub accepts `timeout-minutes: 0.5`).
    mutating func checkPositive(_ t: PipelineText?, _ what: String) {
        if let t, case .number(let n) = t.value, !(n > 0) || !n.isFinite {
            error("invalid '\(what)': expected a number of minutes greater than 0, found \(t.text)", at: t.location)
        }
    }

    private mutating func strategy(_ node: YAMLNode, _ what: String) -> PipelineStrategy? {
        guard let pairs = mapping(node, what) else { return nil }
        var strategy = PipelineStrategy(matrix: nil, failFast: nil, maxParallel: nil)
        for field in fields(pairs, allowed: Self.strategyKeys, in: "'\(what)'") {
            switch field.name {
            case "matrix": strategy.matrix = matrix(field.value, "\(what).matrix", key: loc(field.key))
            case "fail-fast": strategy.failFast = boolean(field.value, "fail-fast")
            case "max-parallel":
                strategy.maxParallel = number(field.value, "max-parallel", expected: "a whole number of jobs")
                if let t = strategy.maxParallel, case .number(let n) = t.value, n < 1 || n != n.rounded() {
                    error("invalid 'max-parallel': expected a whole number of jobs of at least 1, found \(t.text)", at: t.location)
                }
            default: preconditionFailure("unhandled strategy key \(field.name)")
            }
        }
        return strategy
    }
}
