import FlotillaCore
import FlotillaNet
import WireProtocol

extension AgentRuntime {
    /// The upload manager for a newly established connection; it takes over `onWritable`.
    func makeArtifactUploads(on connection: FramedConnection, logger: Logger) -> ArtifactUploadManager {
        let manager = ArtifactUploadManager(corruptFirstTransmission: configuration.corruptFirstArtifactTransmission,
                                            logger: logger) { [weak connection] message in
            connection?.send(message) ?? false
        }
        connection.onWritable = { [weak manager] in manager?.writable() }
        return manager
    }

    /// Uploads a job's collection on the current connection; `done` runs when it has ended.
    ///
    /// Without a session, or when the session drops mid-upload, the upload waits for the next
    /// one and starts over (the coordinator keeps an artifact once per job, path and content):
    /// the coordinator may be restarting, and will claim the job when the agent is back.
    func uploadArtifacts(_ collection: ArtifactCollection, for job: JobRef, done: @escaping () -> Void) {
        guard isConnected, let manager = artifactUploads else { return parkUpload(collection, for: job, done: done) }
        manager.upload(collection, for: job) { [weak self] report in
            guard let self, report.aborted, self.isUploadRetryable(job) else { return done() }
            self.parkUpload(collection, for: job, done: done)
        }
    }

    /// Uploads from a job runner's task: hops to the loop and returns once the upload has ended.
    static func upload(_ collection: ArtifactCollection, for job: JobRef, through runtime: LoopBound<AgentRuntime>) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = runtime.eventLoop.execute {
                runtime.value.uploadArtifacts(collection, for: job) { continuation.resume() }
            }
            if !accepted { continuation.resume() }
        }
    }
}
