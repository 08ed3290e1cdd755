import WireProtocol

/// Where a stored run is in its life.
public enum RunState: String, Sendable, Equatable {
    /// Accepted; its jobs wait for the source bundle upload.
    case waitingForBundle = "waiting_for_bundle"
    /// Jobs may be placed.
    case active
    /// Over; `StoredRun.outcome` says how.
    case finished
}

/// A submitted run as stored: what was submitted, by whom, and how it ended.
///
/// Times are milliseconds since the Unix epoch, as the caller supplied them.
public struct StoredRun: Sendable, Equatable {
    public var id: String
    public var pipelineFileName: String
    /// The pipeline file's text as submitted, kept for reports and audits (jobs are stored planned).
    public var pipelineText: String
    public var bundleSHA256: String
    public var bundleSize: UInt64
    public var sourceRevision: String
    /// The certificate name of the client that submitted the run.
    public var submitter: String
    /// Submitted with `--emergency` (non-critical gates skipped).
    public var emergency: Bool
    public var state: RunState
    /// Set exactly when `state` is `.finished`.
    public var outcome: RunOutcome?
    public var submittedAt: Int64
    public var finishedAt: Int64?

    public init(id: String, pipelineFileName: String, pipelineText: String, bundleSHA256: String, bundleSize: UInt64,
                sourceRevision: String, submitter: String, emergency: Bool = false, state: RunState,
                outcome: RunOutcome? = nil, submittedAt: Int64, finishedAt: Int64? = nil) {
        self.id = id; self.pipelineFileName = pipelineFileName; self.pipelineText = pipelineText
        self.bundleSHA256 = bundleSHA256; self.bundleSize = bundleSize; self.sourceRevision = sourceRevision
        self.submitter = submitter; self.emergency = emergency; self.state = state; self.outcome = outcome
        self.submittedAt = submittedAt; self.finishedAt = finishedAt
    }

    /// A new, unfinished run from a client's `SubmitRun`.
    ///
    /// - Parameter bundleAvailable: the bundle is already stored, so the run starts `.active`.
    public init(id: String, submit: SubmitRun, submitter: String, emergency: Bool = false,
                bundleAvailable: Bool, submittedAt: Int64) {
        self.init(id: id, pipelineFileName: submit.pipelineFileName, pipelineText: submit.pipelineText,
                  bundleSHA256: submit.bundleSHA256, bundleSize: submit.bundleSize,
                  sourceRevision: submit.sourceRevision, submitter: submitter, emergency: emergency,
                  state: bundleAvailable ? .active : .waitingForBundle, submittedAt: submittedAt)
    }
}
