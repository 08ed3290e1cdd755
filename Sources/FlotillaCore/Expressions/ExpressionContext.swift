/// The values an expression can read, and the job status for the status functions.
///
/// Contexts Flotilla fills:
/// - `matrix`: the job's matrix combination (plan time and run time).
/// - `env`: workflow, job and step `env:` merged (step wins over job, job over workflow).
/// - `github`: what Flotilla knows about the run — `ref`, `sha`, `repository`, `workspace`,
///   `run_id`, `job` (the job key), `event_name` (`flotilla`); members not supplied read as null.
/// - `strategy`: `fail-fast`, `max-parallel`, `job-index`, `job-total`.
/// - `runner` (agent only): `os` (`Linux`/`macOS`), `arch` (`X64`/`ARM64`), `name`, `temp`.
/// - `job` (agent only): `status` (`success`/`failure`/`cancelled`).
/// - `steps` (agent only): `<id>.outcome` and `<id>.conclusion` (`success`, `failure`,
///   `cancelled`, `skipped`), `<id>.outputs`.
/// Any context not supplied reads as null.
public struct ExpressionContext: Sendable {
    /// The job's status as seen by `success()`, `failure()` and `cancelled()`.
    public enum JobStatus: String, Sendable, Equatable {
        case success
        case failure
        case cancelled
    }

    /// Top-level named values, keyed by lowercased context name (`matrix`, `steps`, …).
    public var contexts: [String: ExpressionValue]
    /// Whether an earlier step failed or the run was cancelled.
    public var jobStatus: JobStatus

    public init(contexts: [String: ExpressionValue] = [:], jobStatus: JobStatus = .success) {
        self.contexts = contexts; self.jobStatus = jobStatus
    }

    /// Records a finished step so that `steps.<id>.outcome` and `steps.<id>.conclusion` read it.
    ///
    /// - Parameters:
    ///   - id: The step's `id:`; steps without one cannot be referenced and are ignored.
    ///   - outcome: `success`, `failure`, `cancelled` or `skipped`, before `continue-on-error`.
    ///   - conclusion: The same after `continue-on-error` (a failed step that may fail is `success`).
    public mutating func recordStep(id: String, outcome: String, conclusion: String) {
        guard !id.isEmpty else { return }
        var steps: [(key: String, value: ExpressionValue)] = []
        if case .object(let members) = self["steps"] { steps = members.filter { $0.key != id } }
        steps.append((key: id, value: .object([(key: "outcome", value: .string(outcome)),
                                               (key: "conclusion", value: .string(conclusion))])))
        self["steps"] = .object(steps)
    }

    /// The named context, or null when it was not supplied.
    public subscript(name: String) -> ExpressionValue {
        get { contexts[name.lowercased()] ?? .null }
        set { contexts[name.lowercased()] = newValue }
    }
}
