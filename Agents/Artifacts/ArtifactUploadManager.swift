import FlotillaCore
import WireProtocol

/// Uploads jobs' collected artifacts over one coordinator connection.
///
/// Loop-confined; one per connection. For each job it sends the refusals, then each file in
/// turn as `ArtifactBegin`, `ArtifactChunk`s and `ArtifactEnd`, and waits for the file's
/// `ArtifactAck` before starting the next. A file is read in bounded chunks and hashed in the
/// same pass; only one chunk per job is ever held. When `send` refuses a message (the
/// connection's queue is full) the job's upload pauses until `writable()`. On `retry` a file
/// is sent once more from the start under the same id; a second failure counts as rejected.
/// The job's completion runs once every file has its final answer, or when the upload is
/// cancelled or the connection is lost (`cancel`, `abortAll`).
public final class ArtifactUploadManager {
    /// Queues a message on the connection; false when it must wait for `writable()`.
    public typealias Send = (Message) -> Bool

    private let send: Send
    private let chunkBytes: Int
    private let corruptFirstTransmission: Bool
    private let logger: Logger
    private var uploads: [JobRef: JobArtifactUpload] = [:]
    /// Start order, so a writable connection serves the oldest upload first.
    private var order: [JobRef] = []

    /// - Parameters:
    ///   - chunkBytes: bytes per chunk, at most `ArtifactChunk.maxDataBytes`.
    ///   - corruptFirstTransmission: fault injection for tests: flips one byte of the first
    ///     chunk of each file's first transmission (the hash stays that of the real file), so
    ///     the coordinator's check and the retry path can be exercised end to end.
    ///   - send: queues a message on the coordinator connection.
    public init(chunkBytes: Int = ArtifactChunk.maxDataBytes, corruptFirstTransmission: Bool = false, logger: Logger,
                send: @escaping Send) {
        precondition(chunkBytes > 0 && chunkBytes <= ArtifactChunk.maxDataBytes, "chunk size out of range")
        self.chunkBytes = chunkBytes
        self.corruptFirstTransmission = corruptFirstTransmission
        self.logger = logger
        self.send = send
    }

    /// Jobs whose uploads are still in progress.
    public var activeJobs: [JobRef] { order }

    /// Starts uploading `collection` for `job`; `completion` runs exactly once, on this loop.
    ///
    /// A second upload for a job already uploading completes at once with nothing sent.
    public func upload(_ collection: ArtifactCollection, for job: JobRef,
                       completion: @escaping (ArtifactUploadReport) -> Void) {
        guard uploads[job] == nil else {
            completion(ArtifactUploadReport(aborted: true))
            return
        }
        let upload = JobArtifactUpload(job: job, collection: collection, chunkBytes: chunkBytes,
                                       corruptFirstTransmission: corruptFirstTransmission, completion: completion)
        uploads[job] = upload
        order.append(job)
        pump(upload)
    }

    /// The coordinator answered an `ArtifactEnd`.
    public func received(_ ack: ArtifactAck) {
        guard let upload = uploads[ack.job] else { return }
        switch upload.acknowledged(ack) {
        case .ignored:
            logger.warning("unexpected artifact ack", ["job.id": ack.job.jobID, "artifact.id": String(ack.artifactID),
                                                       "ack.status": "\(ack.status)"])
        case .retrying(let file):
            logger.notice("artifact failed verification; sending it again",
                          ["job.id": ack.job.jobID, "artifact.path": file, "ack.message": ack.message])
        case .next(let file, let stored):
            if !stored {
                logger.warning("artifact rejected", ["job.id": ack.job.jobID, "artifact.path": file, "ack.message": ack.message])
            }
        }
        pump(upload)
    }

    /// The connection can take more: resumes paused uploads, oldest first.
    public func writable() {
        for job in order {
            guard let upload = uploads[job] else { continue }
            pump(upload)
        }
    }

    /// Abandons `job`'s upload (the job was cancelled); its completion runs now.
    public func cancel(_ job: JobRef) {
        guard let upload = uploads.removeValue(forKey: job) else { return }
        order.removeAll { $0 == job }
        upload.abandon()
    }

    /// Abandons every upload (the connection is gone); their completions run now.
    public func abortAll() {
        let all = order.compactMap { uploads[$0] }
        uploads.removeAll()
        order.removeAll()
        for upload in all { upload.abandon() }
    }

    private func pump(_ upload: JobArtifactUpload) {
        upload.pump(send)
        if upload.isComplete {
            uploads[upload.job] = nil
            order.removeAll { $0 == upload.job }
            let report = upload.complete()
            logger.info("artifacts uploaded", ["job.id": upload.job.jobID, "artifact.stored": String(report.stored.count),
                                               "artifact.rejected": String(report.rejected.count),
                                               "artifact.retried": String(report.retried)])
        }
    }
}

/// How a job's artifact upload ended, for logs and tests.
public struct ArtifactUploadReport: Sendable, Equatable {
    /// `ArtifactAck.message` of each stored file (`stored as NAME`), in order.
    public var stored: [String] = []
    /// Relative paths of files the coordinator rejected, with its message.
    public var rejected: [ArtifactRefusal] = []
    /// Files sent a second time after a `retry`.
    public var retried = 0
    /// The upload was cancelled or its connection lost before every file was answered.
    public var aborted = false

    public init(stored: [String] = [], rejected: [ArtifactRefusal] = [], retried: Int = 0, aborted: Bool = false) {
        self.stored = stored; self.rejected = rejected; self.retried = retried; self.aborted = aborted
    }
}
