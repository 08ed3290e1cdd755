import WireProtocol

/// What a `JobRunner` reports, in causal order: `jobStarted` first, then per step
/// `stepStarted`, its `log` chunks and `stepFinished`, and `jobFinished` last, exactly once.
/// Skipped steps have a `stepFinished` (outcome `.skipped`) without a `stepStarted`.
/// A benchmark job repeats the step events once per iteration and reports `metricSamples`
/// after each measured iteration's last step.
public enum JobRunnerEvent: Sendable, Equatable {
    case jobStarted(JobStarted)
    case stepStarted(StepStarted)
    case log(LogChunk)
    case stepFinished(StepFinished)
    /// The metrics of one measured benchmark iteration; all precede `jobFinished`.
    case metricSamples(MetricSamples)
    case jobFinished(JobFinished)
}

/// What a step's `if:` condition can see when it is evaluated.
public struct StepConditionState: Sendable, Equatable {
    /// An earlier step failed (and was not `continue-on-error`), or the job could not be set up.
    public var jobFailed: Bool
    /// The job was cancelled.
    public var cancelled: Bool
    /// Outcomes of the earlier steps that have an `id`, for `steps.<id>.outcome`.
    public var stepOutcomes: [String: ExecutionOutcome]

    public init(jobFailed: Bool, cancelled: Bool, stepOutcomes: [String: ExecutionOutcome]) {
        self.jobFailed = jobFailed; self.cancelled = cancelled; self.stepOutcomes = stepOutcomes
    }
}

/// Decides whether a step runs, from its `if:` expression (without `${{ }}`) and the job's state.
public typealias StepConditionEvaluator = @Sendable (_ condition: String, _ state: StepConditionState) -> Bool

extension JobRunner {
    /// The evaluator used when none is injected: GitHub's status functions only.
    ///
    /// `""` and `success()` run when nothing failed and the job was not cancelled;
    /// `always()` always runs; `failure()` runs after a failure; `cancelled()` runs after a
    /// cancel. Any other expression is treated like `success()`.
    public static func defaultConditionEvaluator(_ condition: String, _ state: StepConditionState) -> Bool {
        switch condition.filter({ !$0.isWhitespace }) {
        case "always()": return true
        case "failure()": return state.jobFailed && !state.cancelled
        case "cancelled()": return state.cancelled
        default: return !state.jobFailed && !state.cancelled
        }
    }
}

/// Resolves the `${{ }}` expressions the planner left in a step's `run:` text (`steps.*`,
/// `runner.*`, `job.*`) from the job's progress; throws a message when one cannot be evaluated.
public typealias StepScriptRenderer = @Sendable (_ script: String, _ state: StepConditionState) throws -> String
