extension PlanBuilder {
    /// The job's steps with plan-time expressions resolved; `uses:` steps are reported and dropped.
    mutating func steps(_ job: PipelineJob, _ context: ExpressionContext,
                        jobEnv: [(name: String, value: String)]) -> [PlannedStep] {
        var planned: [PlannedStep] = []
        for step in job.steps {
            if let uses = step.uses {
                reportUses(uses)
                continue
            }
            guard let runText = step.run else { continue }
            let stepEnv = resolveEnv(step.env, context, what: "step env")
            var stepContext = context
            stepContext["env"] = Self.envObject(Self.merge(jobEnv, stepEnv))
            let run = resolve(runText, stepContext, what: "run") ?? runText.text

            var name = "Run " + (run.split(separator: "\n").first.map { String($0).trimmingWhitespace } ?? "")
            if let n = step.name, let resolved = resolve(n, stepContext, what: "step name") { name = resolved }
            let shell = step.shell ?? job.defaults.shell ?? pipeline.defaults.shell
            var workingDirectory = ""
            if let wd = step.workingDirectory ?? job.defaults.workingDirectory ?? pipeline.defaults.workingDirectory {
                workingDirectory = resolve(wd, stepContext, what: "working-directory") ?? ""
            }
            planned.append(PlannedStep(
                id: step.id?.value ?? "", name: name,
                condition: condition(step.condition, stepContext, what: "if"),
                run: run, shell: shell?.value ?? "bash",
                env: stepEnv.map { EnvPair(name: $0.name, value: $0.value) },
                workingDirectory: workingDirectory,
                timeoutMillis: timeout(step.timeoutMinutes, stepContext),
                continueOnError: flag(step.continueOnError, stepContext, what: "continue-on-error", default: false)))
        }
        return planned
    }

    /// Checkout is built in (a warning); other actions cannot run on an agent (an error, or a
    /// warning when `skipUses` is set).
    private mutating func reportUses(_ uses: Located<String>) {
        let action = uses.value.split(separator: "@").first.map { String($0).lowercased() } ?? ""
        if action == "actions/checkout" {
            warning("step uses '\(uses.value)': Flotilla checks out the repository before the first step, so this step is skipped",
                    at: uses.location)
        } else if options.skipUses {
            warning("step uses '\(uses.value)' cannot run on a Flotilla agent; skipped", at: uses.location)
        } else {
            error("step uses '\(uses.value)' cannot run on a Flotilla agent; replace it with a 'run:' step or plan with --skip-uses to drop it",
                  at: uses.location)
        }
    }
}
