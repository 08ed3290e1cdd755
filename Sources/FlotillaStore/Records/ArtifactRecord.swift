/// An artifact a job uploaded, checksum verified; its bytes live in the content-addressed store.
public struct ArtifactRecord: Sendable, Equatable {
    public var runID: String
    public var jobID: String
    public var attempt: UInt32
    /// Unique within the run.
    public var name: String
    /// The file's path relative to the job's workspace, as the agent uploaded it.
    public var relativePath: String
    /// What gates read it as: `junit`, `coverage`, `sarif`, `benchmark`, or `file`.
    public var kind: String
    public var size: UInt64
    /// Lowercase hex; also the content-addressed store's key.
    public var sha256: String
    public var recordedAt: Int64

    public init(runID: String, jobID: String, attempt: UInt32, name: String, relativePath: String, kind: String,
                size: UInt64, sha256: String, recordedAt: Int64) {
        self.runID = runID; self.jobID = jobID; self.attempt = attempt; self.name = name
        self.relativePath = relativePath; self.kind = kind; self.size = size; self.sha256 = sha256
        self.recordedAt = recordedAt
    }
}
