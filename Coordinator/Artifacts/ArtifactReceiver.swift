import WireProtocol

/// Receives agents' artifact uploads into the store and decides each `ArtifactEnd`'s answer.
///
/// Per upload (connection, job attempt, artifact id): `begin` opens a temporary file, `chunk`
/// appends to it, `end` verifies size and SHA-256 and moves it into the store. A failed
/// attempt — checksum or size mismatch, a chunk out of order, a write error — is answered
/// `retry` the first time for that upload and `rejected` the second. An upload the caller
/// refuses up front (the job is not running on that agent) is drained and answered `rejected`.
/// Messages that break the upload sequence are `ArtifactProtocolViolation`s: the caller
/// closes the connection. Not thread-safe; the coordinator's loop owns it.
public final class ArtifactReceiver {
    /// Identifies one upload.
    public struct Key: Hashable, Sendable {
        public var connection: ConnectionID
        public var job: JobRef
        public var artifactID: UInt32
    }

    /// The answer to an `ArtifactEnd`.
    public enum EndResult: Sendable, Equatable {
        /// Verified and in the store (`deduplicated` when identical content was already there).
        case verified(ArtifactBegin, sha256: String, deduplicated: Bool)
        /// Failed once; the agent should send it again.
        case retry(ArtifactBegin, reason: String)
        /// Not stored, not to be retried.
        case rejected(ArtifactBegin, reason: String)
    }

    private struct Upload {
        var begin: ArtifactBegin
        var file: IncomingArtifact?
        /// Why the upload will be rejected outright.
        var refusal: String?
        /// Why this attempt failed (it will be retried or rejected).
        var failure: String?
    }

    public let store: ArtifactStore
    /// Most bytes the coordinator accepts from one job attempt (announced sizes, retries not counted twice).
    public let maxBytesPerJob: UInt64
    private var uploads: [Key: Upload] = [:]
    /// Failed attempts per upload key, kept across the retry.
    private var failures: [Key: Int] = [:]
    /// Announced sizes per job attempt and artifact id.
    private var announced: [JobRef: [UInt32: UInt64]] = [:]

    public init(store: ArtifactStore, maxBytesPerJob: UInt64 = 10 << 30) {
        self.store = store
        self.maxBytesPerJob = maxBytesPerJob
    }

    /// Uploads in progress.
    public var activeUploadCount: Int { uploads.count }

    /// An `ArtifactBegin` arrived.
    ///
    /// - Parameter refusal: set when the caller will not accept uploads for this job attempt.
    /// - Throws: a violation when the same upload is already in progress.
    public func begin(_ begin: ArtifactBegin, from connection: ConnectionID, refusal: String?) throws(ArtifactProtocolViolation) {
        let key = Key(connection: connection, job: begin.job, artifactID: begin.artifactID)
        guard uploads[key] == nil else {
            throw ArtifactProtocolViolation("ArtifactBegin for artifact \(begin.artifactID) of \(describe(begin.job)) "
                                            + "while it is still being uploaded")
        }
        var upload = Upload(begin: begin)
        var sizes = announced[begin.job] ?? [:]
        sizes[begin.artifactID] = begin.size
        let total = sizes.values.reduce(UInt64(0)) { $0 &+ $1 }
        if let refusal {
            upload.refusal = refusal
        } else if total > maxBytesPerJob || sizes.values.contains(where: { $0 > maxBytesPerJob }) {
            upload.refusal = "the job's artifacts would exceed the coordinator's limit of \(maxBytesPerJob) bytes per job"
        } else {
            announced[begin.job] = sizes
            do {
                upload.file = try store.beginUpload(expectedSize: begin.size)
            } catch {
                upload.failure = "the coordinator cannot store it: \(error)"
            }
        }
        uploads[key] = upload
    }

    /// An `ArtifactChunk` arrived.
    /// - Throws: a violation when no such upload was begun.
    public func chunk(_ chunk: ArtifactChunk, from connection: ConnectionID) throws(ArtifactProtocolViolation) {
        let key = Key(connection: connection, job: chunk.job, artifactID: chunk.artifactID)
        guard var upload = uploads[key] else {
            throw ArtifactProtocolViolation("ArtifactChunk for artifact \(chunk.artifactID) of \(describe(chunk.job)) "
                                            + "without an ArtifactBegin")
        }
        guard let file = upload.file else { return } // refused or already failed: drained until the end
        do {
            try file.write(chunk.data, at: chunk.offset)
        } catch {
            file.abort()
            upload.file = nil
            upload.failure = "\(error)"
            uploads[key] = upload
        }
    }

    /// An `ArtifactEnd` arrived: verifies and stores, or says why not.
    /// - Throws: a violation when no such upload was begun.
    public func end(_ end: ArtifactEnd, from connection: ConnectionID) throws(ArtifactProtocolViolation) -> EndResult {
        let key = Key(connection: connection, job: end.job, artifactID: end.artifactID)
        guard let upload = uploads.removeValue(forKey: key) else {
            throw ArtifactProtocolViolation("ArtifactEnd for artifact \(end.artifactID) of \(describe(end.job)) "
                                            + "without an ArtifactBegin")
        }
        if let refusal = upload.refusal {
            failures[key] = nil
            return .rejected(upload.begin, reason: refusal)
        }
        guard let file = upload.file else { return failed(key, upload.begin, upload.failure ?? "the upload failed") }
        do {
            let outcome = try store.commit(file, claimedSHA256: end.sha256)
            failures[key] = nil
            return .verified(upload.begin, sha256: end.sha256, deduplicated: outcome == .deduplicated)
        } catch {
            return failed(key, upload.begin, error.description)
        }
    }

    /// The job attempt finished on `connection`: drops what it left unfinished.
    public func jobEnded(_ job: JobRef, on connection: ConnectionID) {
        for key in uploads.keys where key.job == job && key.connection == connection {
            uploads.removeValue(forKey: key)?.file?.abort()
        }
        failures = failures.filter { !($0.key.job == job && $0.key.connection == connection) }
        announced[job] = nil
    }

    /// The connection is gone: drops its unfinished uploads.
    public func connectionClosed(_ connection: ConnectionID) {
        for key in uploads.keys where key.connection == connection {
            uploads.removeValue(forKey: key)?.file?.abort()
            announced[key.job] = nil
        }
        failures = failures.filter { $0.key.connection != connection }
    }

    private func failed(_ key: Key, _ begin: ArtifactBegin, _ reason: String) -> EndResult {
        let count = failures[key, default: 0] + 1
        guard count < 2 else {
            failures[key] = nil
            return .rejected(begin, reason: "\(reason) (again, after a retry)")
        }
        failures[key] = count
        return .retry(begin, reason: reason)
    }

    private func describe(_ job: JobRef) -> String {
        "job \(job.jobID) attempt \(job.attempt) of run \(job.runID)"
    }
}

/// An agent broke the artifact upload sequence; the coordinator closes its connection.
public struct ArtifactProtocolViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
