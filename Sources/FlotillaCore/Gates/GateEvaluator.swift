/// Evaluates a pipeline's gates over a finished run and decides the verdict. Pure: results in,
/// results out, no I/O.
///
/// **Gate status.** A gate whose threshold is met is `pass`. One that is not met is `fail` when
/// it is blocking and `warn` when it is advisory (`blocking: false`). A `performance` gate also
/// warns, blocking or not, on a confirmed regression within `max-regression` or a suspected one
/// that was not re-run (see `PerformanceGate`). A gate that cannot be
/// evaluated is `error`: no result files of its kind were collected, a result file could not be
/// read (the message is the parser's), or the results hold nothing to judge (no test cases, no
/// coverable lines). In an emergency run (`--emergency`) gates with `critical: false` are
/// `skipped` without being evaluated.
///
/// **Verdict.** `fail` when any gate is `fail`, or any job fails the run on its own — failed,
/// timed out or lost its agent without `continue-on-error`, or was cancelled — exactly as a run
/// without gates fails today. Otherwise `error` when a blocking gate is `error` or the run has
/// no jobs (the run could not be judged). Otherwise `pass`. So a known failure outranks an
/// unknown; advisory gates (`warn`, or `error`) and skipped gates never change the verdict.
public enum GateEvaluator {
    /// Most items (failing tests, findings, jobs) a gate's detail lists before "and N more".
    public static let maxListed = 10

    /// Evaluates every gate, in order.
    ///
    /// - Parameters:
    ///   - gates: The pipeline's gates (`Plan.gates`).
    ///   - inputs: The run's jobs and result files.
    ///   - emergency: Whether the run was started with `--emergency` (skips non-critical gates).
    ///   - run: The run id, named in a `performance` gate's detail when a series has no revision.
    /// - Returns: One result per gate, in the same order.
    public static func evaluate(gates: [GateSpec], inputs: GateInputs, emergency: Bool, run: String = "") -> [GateResult] {
        gates.map { evaluate($0, inputs: inputs, emergency: emergency, run: run) }
    }

    /// The verdict for gate results and jobs (see the type's documentation for the rule).
    public static func verdict(gates: [GateResult], jobs: [GateInputs.Job]) -> VerdictStatus {
        if gates.contains(where: { $0.status == .fail }) || jobs.contains(where: \.failsRun) { return .fail }
        if jobs.isEmpty || gates.contains(where: { $0.blocking && $0.status == .error }) { return .error }
        return .pass
    }

    /// Evaluates the gates and assembles the whole verdict.
    ///
    /// - Parameters:
    ///   - run: The run id.
    ///   - jobs: The jobs as the verdict reports them (agent, attempts, duration, exit code).
    ///   - artifacts: The stored artifacts with their sizes and checksums.
    ///   - flakyTests: Tests that failed and then passed on a retry (`FlakyTestFinder`); reported only.
    public static func judge(run: String, gates: [GateSpec], inputs: GateInputs, emergency: Bool,
                             jobs: [VerdictJob], artifacts: [VerdictArtifact], flakyTests: [FlakyTest] = []) -> Verdict {
        let results = evaluate(gates: gates, inputs: inputs, emergency: emergency, run: run)
        return Verdict(run: run, verdict: verdict(gates: results, jobs: inputs.jobs), emergency: emergency,
                       gates: results, jobs: jobs, artifacts: artifacts, flakyTests: flakyTests)
    }

    private static func evaluate(_ gate: GateSpec, inputs: GateInputs, emergency: Bool, run: String) -> GateResult {
        var result = GateResult(name: gate.name, kind: gate.kind, status: .pass, blocking: gate.blocking, critical: gate.critical,
                                value: "", threshold: gate.threshold, detail: "")
        if emergency && !gate.critical {
            result.status = .skipped
            result.detail = "skipped: emergency run, and this gate is not critical"
            return result
        }
        let outcome: GateOutcome
        switch gate.rule {
        case .tests(let maxFailures): outcome = tests(maxFailures: maxFailures, inputs.results)
        case .coverage(let minPercent): outcome = coverage(minPercent: minPercent, inputs.results)
        case .security(let maxCritical, let maxHigh): outcome = security(maxCritical: maxCritical, maxHigh: maxHigh, inputs.results)
        case .jobs(let keys): outcome = jobs(keys, inputs.jobs)
        case .performance(let maxRegression, let minEffect):
            outcome = PerformanceGate.outcome(maxRegressionPercent: maxRegression, minEffectPercent: minEffect,
                                              inputs.performance, run: run)
        }
        result.value = outcome.value
        result.detail = outcome.detail
        switch outcome.met {
        case true?: result.status = outcome.warned ? .warn : .pass
        case false?: result.status = gate.blocking ? .fail : .warn
        case nil: result.status = .error
        }
        return result
    }

    // MARK: Shared helpers

    /// Result files of `kind`, or the error outcome when there are none or one is unreadable.
    static func files(_ kind: ArtifactKind, _ results: [ResultFile]) -> Result<[ResultFile], GateOutcome> {
        let files = results.filter { $0.kind == kind }
        guard !files.isEmpty else { return .failure(.error("no \(kind.rawValue) results were collected")) }
        let problems = files.compactMap(\.problem)
        guard problems.isEmpty else {
            let head = problems.count == 1 ? "a \(kind.rawValue) result could not be read"
                : "\(problems.count) of \(files.count) \(kind.rawValue) results could not be read"
            return .failure(.error(head + ":\n" + list(problems)))
        }
        return .success(files)
    }

    /// `- item` lines, at most `maxListed`, then `- and N more`.
    static func list(_ items: [String]) -> String {
        var lines = items.prefix(maxListed).map { "- " + $0 }
        if items.count > maxListed { lines.append("- and \(items.count - maxListed) more") }
        return lines.joined(separator: "\n")
    }

    /// The first line of `text`, at most 200 characters.
    static func summary(_ text: String) -> String {
        let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = first.trimmingWhitespace
        return trimmed.count > 200 ? String(trimmed.prefix(197)) + "..." : trimmed
    }
}

/// What one gate's check found: `met` is nil when it could not be evaluated; `warned` marks a
/// met threshold that still deserves a warning (a `performance` gate's smaller regressions).
struct GateOutcome: Error {
    var met: Bool?
    var value: String
    var detail: String
    var warned = false

    static func error(_ detail: String) -> GateOutcome { GateOutcome(met: nil, value: "", detail: detail) }
}
