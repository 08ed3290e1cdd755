import FlotillaCore
import FlotillaStore
import WireProtocol

/// Resuming the runs a previous coordinator process left unfinished (see `CoordinatorCore+Recovery`).
extension CoordinatorServer {
    /// Reads every unfinished run from the store and hands it to the core; runs whose source
    /// bundle never arrived end in error, `files:` runs not yet split are split now.
    func restoreUnfinishedRuns() {
        let recovered: [RecoveredRun]
        do throws(StoreError) {
            recovered = try store.unfinishedRuns()
        } catch {
            logger.error("cannot read unfinished runs; they stay unfinished in the store", ["error": error.description])
            return
        }
        guard !recovered.isEmpty else { return }
        let now = loop.nowMillis()
        for stored in recovered {
            let runID = stored.run.id
            let available = bundles.contains(stored.run.bundleSHA256)
            let restored = Self.restoredRun(stored, bundleAvailable: available)
            artifacts.runAccepted(runID)
            let actions = core.restore(restored, reclaimWindowMillis: configuration.reclaimWindowMillis, now: now)
            if let run = core.runs[runID] {
                storedRuns[runID] = (revision: run.jobListRevision, active: stored.run.state == .active)
            }
            perform(actions)
            if !available {
                perform(core.bundleFailed(sha256: stored.run.bundleSHA256,
                                          reason: "the coordinator restarted before the source bundle upload completed", now: now))
            } else if core.runs[runID]?.awaitingSourceFiles == true {
                perform(sourceFilesListed(runID: runID, bundles: bundles))
            } else if core.runs[runID]?.phase == .waitingForBundle {
                perform(core.bundleStored(sha256: stored.run.bundleSHA256, now: now))
            }
        }
        logger.notice("resumed unfinished runs", ["runs": "\(recovered.count)",
                                                   "attempts.awaiting_agents": "\(core.pendingReclaimCount)"])
    }

    /// The core's view of a stored run: each job's current attempt, its agent, and why earlier
    /// attempts were retried, from the attempt records.
    static func restoredRun(_ stored: RecoveredRun, bundleAvailable: Bool) -> RestoredRun {
        let run = stored.run
        let submit = SubmitRun(pipelineFileName: run.pipelineFileName, pipelineText: run.pipelineText,
                               bundleSHA256: run.bundleSHA256, bundleSize: run.bundleSize, sourceRevision: run.sourceRevision,
                               emergency: run.emergency, detached: true)
        let attemptsByJob = Dictionary(grouping: stored.attempts, by: { $0.ref.jobID })
        let jobs = stored.jobs.sorted { $0.position < $1.position }
        let restoredJobs = jobs.map { job -> RestoredJob in
            let attempts = (attemptsByJob[job.planned.id] ?? []).sorted { $0.ref.attempt < $1.ref.attempt }
            let last = attempts.last
            let reasons: [RetryPolicy.Reason] = attempts.dropLast().map { $0.state == .failed ? .failure : .agentLost }
            // A queued job whose last attempt ended was requeued: that attempt counts as retried too.
            let retried = job.state == .queued && last?.finishedAt != nil
                ? reasons + [last!.state == .failed ? .failure : .agentLost] : reasons
            return RestoredJob(state: job.state, attempts: last?.ref.attempt ?? 0, agentName: last?.agentName ?? "",
                               detail: job.detail.isEmpty ? (last?.reason ?? "") : job.detail,
                               exitCode: last?.exitCode, retryReasons: retried)
        }
        return RestoredRun(id: run.id, submit: submit, plan: Plan(jobs: jobs.map(\.planned), gates: stored.gates),
                           jobs: restoredJobs, bundleAvailable: bundleAvailable)
    }
}
