/// Choices that change how a pipeline is planned.
public struct PlanOptions: Sendable {
    /// Drop `uses:` steps (other than checkout) with a warning instead of failing.
    public var skipUses: Bool
    /// Most jobs one matrix may produce (GitHub's limit is 256).
    public var maxMatrixJobs: Int
    /// The `github` context known at plan time, e.g. `ref`, `sha`, `repository`, `workspace`,
    /// `run_id`, `event_name`. `job` is filled per job. Members not given read as null.
    public var github: [String: String]

    public init(skipUses: Bool = false, maxMatrixJobs: Int = 256, github: [String: String] = [:]) {
        self.skipUses = skipUses; self.maxMatrixJobs = maxMatrixJobs; self.github = github
    }
}
