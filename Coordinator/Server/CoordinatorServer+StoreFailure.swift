import FlotillaCore
import FlotillaStore
import WireProtocol

/// When the store cannot be written (a full or failing disk): hold, then catch up.
///
/// The rule is "durable first", so a write that fails must not be followed by news of it:
/// placements of that event are taken back before their `AssignJob` goes out, nothing new is
/// placed, and new runs are refused. Jobs already running go on and report as usual. Once a
/// second, every run the store is missing is written again whole (each job's current attempt
/// and state, the run's end), then the held log chunks (up to 64 MiB) and verdicts; when that
/// succeeds the hold is lifted.
extension CoordinatorServer {
    /// Notes a failed write; the first one starts the hold.
    func storeFailed(_ error: StoreError, run runID: String) {
        unpersistedRuns.insert(runID)
        if storeFailure == nil {
            logger.error("cannot write the state store; holding new placements and refusing new runs until it can",
                         ["error": error.description])
            nextStoreRetryAt = loop.nowMillis() + Self.storeRetryMillis
        }
        storeFailure = error.summary
        core.placementsHeld = true
    }

    /// How often a failing store is tried again.
    static let storeRetryMillis: UInt64 = 1_000
    /// Log bytes kept in memory for a failing store; later chunks are dropped (and counted in the log).
    static let maxUnstoredLogBytes = 64 << 20

    /// Keeps a log chunk the store refused, for `retryStore`.
    func holdLog(_ chunk: LogChunk) {
        guard unstoredLogBytes + chunk.data.count <= Self.maxUnstoredLogBytes else {
            logger.warning("log chunk dropped: too much log held for a failing store",
                           ["run.id": chunk.job.runID, "job.id": chunk.job.jobID, "bytes": "\(chunk.data.count)"])
            return
        }
        unstoredLogs.append(chunk)
        unstoredLogBytes += chunk.data.count
    }

    /// `actions` without the assignments of `runs` (taken back in the core) and their `assigned` events.
    func holdBackPlacements(_ actions: [CoordinatorAction], of runs: Set<String>) -> [CoordinatorAction] {
        var revoked: Set<JobRef> = []
        for case .send(_, .assignJob(let assignment)) in actions where runs.contains(assignment.job.runID) {
            if core.revokePlacement(assignment.job) { revoked.insert(assignment.job) }
        }
        guard !revoked.isEmpty else { return actions }
        logger.warning("placements taken back: the store could not record them", ["jobs": "\(revoked.count)"])
        let revokedJobs = Set(revoked.map { "\($0.runID)\u{0}\($0.jobID)" })
        return actions.filter { action in
            switch action {
            case .send(_, .assignJob(let assignment)):
                return !revoked.contains(assignment.job)
            case .send(_, .jobEvent(let event)) where event.state == .assigned:
                return !revokedJobs.contains("\(event.runID)\u{0}\(event.jobID)")
            default:
                return true
            }
        }
    }

    /// Writes everything the store is missing; lifts the hold when it all went in.
    func retryStore(now: UInt64) {
        guard storeFailure != nil, now >= nextStoreRetryAt else { return }
        nextStoreRetryAt = now + Self.storeRetryMillis
        do throws(StoreError) {
            for runID in unpersistedRuns.sorted() {
                guard let run = core.runs[runID] else { continue }
                try rewrite(run)
                unpersistedRuns.remove(runID)
            }
            // Attempts first (above), then their logs: a chunk needs its attempt's record.
            while let chunk = unstoredLogs.first {
                _ = try store.appendLog(chunk)
                unstoredLogs.removeFirst()
                unstoredLogBytes -= chunk.data.count
            }
            for (runID, held) in unrecordedVerdicts.sorted(by: { $0.key < $1.key }) {
                if let run = core.runs[runID] { try writeJudgement(run, verdict: held.verdict, results: held.results) }
                unrecordedVerdicts[runID] = nil
            }
        } catch {
            storeFailure = error.summary
            return
        }
        logger.notice("the state store is writable again; placing jobs", [:])
        storeFailure = nil
        core.placementsHeld = false
        perform(core.placeReadyJobs(now: now))
    }

    /// A run's whole current state, written again (every store call here is idempotent).
    private func rewrite(_ run: RunRecord) throws(StoreError) {
        let now = Self.wallClockMillis()
        // Finished in the store already: the failure came after its last write.
        guard try store.run(run.id)?.state != .finished else { storedRuns[run.id] = nil; return }
        if run.jobListRevision != (storedRuns[run.id]?.revision ?? 0) {
            try store.replacePlannedJobs(runID: run.id, jobs: run.jobs.map(\.planned))
        }
        if run.phase != .waitingForBundle { try store.setRunState(run.id, RunState.active) }
        for job in run.jobs {
            if job.attempts > 0 { _ = try store.recordAssignment(job.ref(runID: run.id), agent: job.agentName, at: now) }
            if job.state == .running || job.state.isTerminal, job.attempts > 0 {
                _ = try store.recordAttemptStarted(job.ref(runID: run.id), at: now)
            }
            try persist(job, runID: run.id, at: now)
        }
        storedRuns[run.id] = (revision: run.jobListRevision, active: run.phase != .waitingForBundle)
        if case .finished(let outcome) = run.phase {
            _ = try store.finishRun(run.id, outcome: outcome, at: now)
            storedRuns[run.id] = nil
        }
    }
}
