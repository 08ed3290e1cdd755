import WireProtocol

/// A file the agent will upload for a job.
public struct CollectedArtifact: Sendable, Equatable {
    /// Proposed artifact name (`ArtifactNaming.isValidName`); the coordinator may suffix it.
    public var name: String
    /// Where the file is, relative to the job's source directory, as matched.
    public var relativePath: String
    public var kind: ArtifactKindCode
    /// The file's absolute, symlink-free path (its `realpath`), inside the source directory.
    public var path: String
    /// Size when collected; exactly this many bytes are sent.
    public var size: UInt64

    public init(name: String, relativePath: String, kind: ArtifactKindCode, path: String, size: UInt64) {
        self.name = name; self.relativePath = relativePath; self.kind = kind; self.path = path; self.size = size
    }
}

/// A path from `artifacts:` that was not collected, and why.
public struct ArtifactRefusal: Sendable, Equatable {
    /// The pattern, or the matched file that made its entry refused.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) { self.path = path; self.reason = reason }
}

/// What `ArtifactCollector` found for a job: files to upload, in order, and refusals.
public struct ArtifactCollection: Sendable, Equatable {
    public var artifacts: [CollectedArtifact]
    public var refusals: [ArtifactRefusal]

    public init(artifacts: [CollectedArtifact] = [], refusals: [ArtifactRefusal] = []) {
        self.artifacts = artifacts; self.refusals = refusals
    }

    /// Sum of the collected files' sizes.
    public var totalBytes: UInt64 { artifacts.reduce(0) { $0 + $1.size } }
}

/// Uploads a job's collected artifacts and returns once every file has its final answer (or
/// the upload was abandoned). `JobRunner` awaits it before finishing the job, so the job's
/// `JobFinished` follows its artifacts. Supplied by the agent runtime, which owns the network.
public typealias ArtifactUploadHandler = @Sendable (_ job: JobRef, _ collection: ArtifactCollection) async -> Void
