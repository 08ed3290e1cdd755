import Dispatch
import FlotillaCore
import WireProtocol

extension JobRunner {
    /// Collects the job's `artifacts:` from its source directory and hands them to the uploader.
    ///
    /// Runs after the steps whatever their outcome (success, failure, timeout) — failed jobs'
    /// reports are the ones people need — but not when the job was cancelled: nobody waits for
    /// its results, and the coordinator no longer accepts them. Returns once the uploader has
    /// had every file answered, so `jobFinished` follows the uploads. The job's timeout does not
    /// cover this stage; the per-job byte limit bounds it.
    func collectAndUploadArtifacts(from workspace: JobWorkspace) async {
        guard let artifactUploader, !assignment.artifacts.isEmpty else { return }
        if let reason = state.withLock({ $0.cancelReason }) {
            logger.info("artifacts not collected: the job was cancelled", ["cancel.reason": reason])
            return
        }
        let collector = ArtifactCollector(sourceDirectory: workspace.sourceDirectory,
                                          maxBytes: configuration.maxArtifactBytes)
        let requests = assignment.artifacts
        // Walking directories blocks; keep it off the cooperative pool.
        let collection = await withCheckedContinuation { (continuation: CheckedContinuation<ArtifactCollection, Never>) in
            DispatchQueue.global().async { continuation.resume(returning: collector.collect(requests)) }
        }
        logger.info("artifacts collected", ["artifact.count": String(collection.artifacts.count),
                                            "artifact.bytes": String(collection.totalBytes),
                                            "artifact.refused": String(collection.refusals.count)])
        await artifactUploader(assignment.job, collection)
    }
}
