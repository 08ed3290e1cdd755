// Artifact messages: the agent's uploads to the coordinator, and a client's listing and download.
//
// An upload is, per file: ArtifactBegin, ArtifactChunk* (contiguous offsets), ArtifactEnd with
// the SHA-256 the agent computed while reading; the coordinator answers each ArtifactEnd with
// exactly one ArtifactAck. PROTOCOL.md, "Artifacts", has the whole exchange.

/// What an artifact holds; gates parse the typed ones.
public enum ArtifactKindCode: UInt8, Sendable, Equatable, CaseIterable {
    case file = 1
    case junit = 2
    case coverage = 3
    case sarif = 4

    /// The spelling used in pipelines, manifests and CLI output (`file`, `junit`, …).
    public var name: String {
        switch self {
        case .file: "file"
        case .junit: "junit"
        case .coverage: "coverage"
        case .sarif: "sarif"
        }
    }

    /// The kind spelled `name`, or nil.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }
}

/// One `artifacts:` entry of a job, as the agent receives it in `JobAssignment`.
public struct ArtifactRequest: Sendable, Equatable {
    /// A glob relative to the job's source directory (`*`, `?`, `**`, `[a-z]`) or a literal path.
    public var path: String
    /// The artifact name for the files it matches; empty means each file's base name.
    public var name: String
    public var kind: ArtifactKindCode
    public init(path: String, name: String = "", kind: ArtifactKindCode = .file) {
        self.path = path; self.name = name; self.kind = kind
    }
}

/// The agent starts uploading one file of a job attempt.
public struct ArtifactBegin: Sendable, Equatable {
    public var job: JobRef
    /// Numbers the job attempt's files from 0; a retry reuses the id.
    public var artifactID: UInt32
    /// Proposed name (`ArtifactNaming.isValidName`); the coordinator may add a `-N` suffix.
    public var name: String
    /// Where the file was, relative to the source directory (`ArtifactNaming.isValidRelativePath`).
    public var relativePath: String
    public var kind: ArtifactKindCode
    /// Exact byte count the chunks will add up to.
    public var size: UInt64
    public init(job: JobRef, artifactID: UInt32, name: String, relativePath: String, kind: ArtifactKindCode, size: UInt64) {
        self.job = job; self.artifactID = artifactID; self.name = name; self.relativePath = relativePath
        self.kind = kind; self.size = size
    }
}

/// A bounded piece of an artifact upload.
public struct ArtifactChunk: Sendable, Equatable {
    public var job: JobRef
    public var artifactID: UInt32
    /// Byte offset of `data` in the file; chunks are contiguous from 0.
    public var offset: UInt64
    public var data: [UInt8]
    /// Largest `data` a chunk may carry.
    public static let maxDataBytes = 256 * 1024
    public init(job: JobRef, artifactID: UInt32, offset: UInt64, data: [UInt8]) {
        self.job = job; self.artifactID = artifactID; self.offset = offset; self.data = data
    }
}

/// The last byte of an artifact upload was sent; the coordinator verifies and answers with `ArtifactAck`.
public struct ArtifactEnd: Sendable, Equatable {
    public var job: JobRef
    public var artifactID: UInt32
    /// Lowercase hex SHA-256 of the bytes read from the file, computed while reading.
    public var sha256: String
    public init(job: JobRef, artifactID: UInt32, sha256: String) {
        self.job = job; self.artifactID = artifactID; self.sha256 = sha256
    }
}

/// Something named in `artifacts:` was not collected. From an agent (an unsafe or oversized
/// path, nothing matched), forwarded to the run's client; from the coordinator to the client
/// when it rejected an upload.
public struct ArtifactRefused: Sendable, Equatable {
    public var job: JobRef
    /// The pattern or file path, as the pipeline or the workspace spells it.
    public var path: String
    public var reason: String
    public init(job: JobRef, path: String, reason: String) {
        self.job = job; self.path = path; self.reason = reason
    }
}

/// The coordinator's answer to one `ArtifactEnd`.
public struct ArtifactAck: Sendable, Equatable {
    /// What became of the upload.
    public enum Status: UInt8, Sendable, Equatable {
        /// Verified and recorded; `message` names the stored artifact.
        case stored = 1
        /// The bytes did not verify; send the file again from a new `ArtifactBegin` (once).
        case retry = 2
        /// Not stored and not to be retried; `message` says why.
        case rejected = 3
    }
    public var job: JobRef
    public var artifactID: UInt32
    public var status: Status
    public var message: String
    public init(job: JobRef, artifactID: UInt32, status: Status, message: String) {
        self.job = job; self.artifactID = artifactID; self.status = status; self.message = message
    }
}

/// One stored artifact of a run.
public struct ArtifactSummary: Sendable, Equatable {
    /// Unique within the run; a file name under the download directory.
    public var name: String
    /// The planned job that produced it.
    public var jobID: String
    public var relativePath: String
    public var kind: ArtifactKindCode
    public var size: UInt64
    /// Lowercase hex SHA-256 of the content.
    public var sha256: String
    public init(name: String, jobID: String, relativePath: String, kind: ArtifactKindCode, size: UInt64, sha256: String) {
        self.name = name; self.jobID = jobID; self.relativePath = relativePath; self.kind = kind
        self.size = size; self.sha256 = sha256
    }
}

/// The coordinator stored an artifact of the client's run.
public struct ArtifactStored: Sendable, Equatable {
    public var runID: String
    public var record: ArtifactSummary
    public init(runID: String, record: ArtifactSummary) { self.runID = runID; self.record = record }
}

/// A client asks for the artifacts of a run.
public struct ListArtifacts: Sendable, Equatable {
    public var runID: String
    public init(runID: String) { self.runID = runID }
}

/// A client asks for one artifact's content; answered with `ArtifactData` chunks or an `ArtifactList` carrying an error.
public struct FetchArtifact: Sendable, Equatable {
    public var runID: String
    public var name: String
    public init(runID: String, name: String) { self.runID = runID; self.name = name }
}

/// The artifacts of a run (one page of them), or why they cannot be listed or fetched.
///
/// A long listing arrives as several pages in order; the one with `isLast` ends it. The
/// sender keeps every page within the list-count and frame limits.
public struct ArtifactList: Sendable, Equatable {
    public var runID: String
    public var artifacts: [ArtifactSummary]
    /// Empty on success; otherwise why the request failed (unknown run, no such artifact,
    /// content missing from the store), `artifacts` is empty and `isLast` is true.
    public var error: String
    /// This page completes the answer.
    public var isLast: Bool
    public init(runID: String, artifacts: [ArtifactSummary], error: String = "", isLast: Bool = true) {
        self.runID = runID; self.artifacts = artifacts; self.error = error; self.isLast = isLast
    }
}

/// A bounded piece of a fetched artifact; `isLast` ends it (an empty artifact is one empty last chunk).
public struct ArtifactData: Sendable, Equatable {
    public var runID: String
    public var name: String
    public var offset: UInt64
    public var data: [UInt8]
    public var isLast: Bool
    public init(runID: String, name: String, offset: UInt64, data: [UInt8], isLast: Bool) {
        self.runID = runID; self.name = name; self.offset = offset; self.data = data; self.isLast = isLast
    }
}
