#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaStore
import WireProtocol

/// What the coordinator writes to its SQLite store, and when.
///
/// The rule is the store's: make it durable, then tell anyone. A run is inserted before its
/// `RunAccepted`; the job changes of an event are written before the event's actions (an
/// `AssignJob`, a `RunFinished`) are performed. A store that fails (read-only or full state
/// directory) refuses new runs with the reason and is logged for the rest; what the
/// coordinator already holds keeps being served.
extension CoordinatorServer {
    /// Milliseconds since the Unix epoch, for the store's records (the core's clock is monotonic).
    static func wallClockMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Makes a new run durable before it is accepted; nil when it is, else the reason to refuse it.
    func storeNewRun(_ runID: String, submit: SubmitRun, plan: Plan, submitter: String, bundleAvailable: Bool) -> String? {
        do throws(StoreError) {
            // The core adds the discovery jobs of `list:` shards itself; store the same job list.
            try store.insertRun(StoredRun(id: runID, submit: submit, submitter: submitter, emergency: submit.emergency,
                                          bundleAvailable: bundleAvailable, submittedAt: Self.wallClockMillis()),
                                plan: ShardDiscovery.addingDiscoveryJobs(to: plan).plan)
            storedRuns[runID] = (revision: 0, active: bundleAvailable)
            return nil
        } catch {
            logger.error("cannot store a new run; refusing it", ["run.id": runID, "error": error.description])
            return "the coordinator cannot accept runs now: \(error.summary) (\(error.message))"
        }
    }

    /// Writes every job change the core made since the last call.
    ///
    /// A run whose changes cannot be written is kept for `retryStore` (`+StoreFailure`).
    ///
    /// - Returns: the runs that finished since the last call, with their outcomes, and the runs
    ///   whose changes could not be written.
    @discardableResult
    func persistChanges() -> (finished: [(runID: String, outcome: RunOutcome)], failed: Set<String>) {
        let now = Self.wallClockMillis()
        var finished: [(runID: String, outcome: RunOutcome)] = []
        var failed: Set<String> = []
        for (runID, changed) in core.takeChanges() {
            guard let run = core.runs[runID] else { continue }
            if case .finished(let outcome) = run.phase, storedRuns[runID] != nil { finished.append((runID, outcome)) }
            do throws(StoreError) {
                var stored = storedRuns[runID] ?? (revision: 0, active: false)
                if run.jobListRevision != stored.revision {
                    // Shards replaced a job: the store's job list follows before their states do.
                    try store.replacePlannedJobs(runID: runID, jobs: run.jobs.map(\.planned))
                    stored.revision = run.jobListRevision
                }
                if run.phase == .active && !stored.active {
                    try store.setRunState(runID, RunState.active)
                    stored.active = true
                }
                storedRuns[runID] = stored
                for i in changed { try persist(run.jobs[i], runID: runID, at: now) }
                if case .finished(let outcome) = run.phase {
                    _ = try store.finishRun(runID, outcome: outcome, at: now)
                    storedRuns[runID] = nil
                }
            } catch {
                logger.error("cannot record job changes", ["run.id": runID, "error": error.description])
                failed.insert(runID)
                storeFailed(error, run: runID)
            }
        }
        return (finished, failed)
    }

    func persist(_ job: JobRecord, runID: String, at now: Int64) throws(StoreError) {
        let ref = job.ref(runID: runID)
        switch job.state {
        case .assigned:
            _ = try store.recordAssignment(ref, agent: job.agentName, at: now)
        case .running:
            _ = try store.recordAttemptStarted(ref, at: now)
        case .queued:
            // Queued again: the attempt it had ended, and the reason says why.
            guard job.attempts > 0 else { return try store.setJobState(runID: runID, jobID: job.planned.id, .queued) }
            let ended: JobState = job.retryReasons.last == .failure ? .failed : .agentLost
            _ = try store.recordAttemptResult(ref, state: ended, exitCode: job.exitCode, reason: job.detail, at: now,
                                              jobState: .queued)
        default:
            if job.attempts > 0 {
                _ = try store.recordAttemptResult(ref, state: job.state, exitCode: job.exitCode, reason: job.detail,
                                                  at: now, jobState: job.state)
            } else {
                try store.setJobState(runID: runID, jobID: job.planned.id, job.state, detail: job.detail)
            }
        }
    }

    /// A job's log chunk, kept for `flotilla logs`; only from the agent running that attempt.
    func storeLog(_ chunk: LogChunk, from connection: ConnectionID) {
        guard core.agents[connection]?.running.contains(chunk.job) == true else { return }
        do throws(StoreError) {
            _ = try store.appendLog(chunk)
        } catch {
            logger.warning("cannot store a log chunk", ["run.id": chunk.job.runID, "job.id": chunk.job.jobID,
                                                        "error": error.description])
            holdLog(chunk)
            storeFailed(error, run: chunk.job.runID)
        }
    }

    /// Keeps the verdict, and the per-test times of its JUnit results for test sharding.
    func recordJudgement(_ run: RunRecord, verdict: Verdict, results: [ResultFile]) {
        do throws(StoreError) {
            try writeJudgement(run, verdict: verdict, results: results)
        } catch {
            logger.error("cannot record the verdict", ["run.id": run.id, "error": error.description])
            unrecordedVerdicts[run.id] = (verdict, results)
            storeFailed(error, run: run.id)
        }
    }

    /// The verdict and the JUnit timings, written; throws what the store throws.
    func writeJudgement(_ run: RunRecord, verdict: Verdict, results: [ResultFile]) throws(StoreError) {
        let now = Self.wallClockMillis()
        try store.recordVerdict(VerdictRecord(runID: run.id, json: VerdictRenderer.json(verdict), recordedAt: now))
        var casesByJob: [String: [TestCaseTiming]] = [:]
        for result in results {
            guard case .junit(let report) = result.content else { continue }
            casesByJob[result.job, default: []] += report.cases.filter { $0.status != .skipped }.map {
                TestCaseTiming(classname: $0.classname, name: $0.name, seconds: $0.time)
            }
        }
        for (jobID, cases) in casesByJob.sorted(by: { $0.key < $1.key }) {
            // The key shard planning looks timings up by (a shard's times count for its parent job).
            guard let index = run.indexByID[jobID] else { continue }
            let jobKey = CoordinatorCore.timingKey(run: run, job: run.jobs[index].planned)
            _ = try store.recordTestTimings(cases, jobKey: jobKey, runID: run.id, jobID: jobID, at: now)
        }
    }

    /// An artifact the catalog recorded, in the store too (by job attempt); the catalog's
    /// manifest stays what `artifacts list/get` read, so a store failure only loses this copy.
    func recordArtifact(_ record: ArtifactSummary, job: JobRef) {
        do throws(StoreError) {
            _ = try store.recordArtifact(ArtifactRecord(runID: job.runID, jobID: job.jobID, attempt: job.attempt,
                                                        name: record.name, relativePath: record.relativePath,
                                                        kind: record.kind.name, size: record.size, sha256: record.sha256,
                                                        recordedAt: Self.wallClockMillis()))
        } catch {
            logger.warning("cannot record an artifact in the store", ["run.id": job.runID, "job.id": job.jobID,
                                                                     "artifact.name": record.name, "error": error.description])
        }
    }

    /// Which job attempt last uploaded each of a run's artifacts, by name, for telling a retried
    /// job's earlier results from its final ones; empty (every file counts as final) when the
    /// store cannot say.
    func artifactAttempts(ofRun runID: String) -> [String: UInt32] {
        do throws(StoreError) {
            return Dictionary(try store.artifacts(ofRun: runID).map { ($0.name, $0.attempt) }, uniquingKeysWith: max)
        } catch {
            logger.warning("cannot read which attempts uploaded the run's artifacts", ["run.id": runID, "error": error.description])
            return [:]
        }
    }

    /// An agent's identity and labels, for `flotilla agents`.
    func recordAgent(_ hello: Hello) {
        do throws(StoreError) {
            try store.recordAgentSeen(name: hello.name, labels: hello.labels, capacity: Int(hello.capacity),
                                      fingerprint: hello.fingerprint, at: Self.wallClockMillis())
        } catch {
            logger.warning("cannot record the agent", ["agent.name": hello.name, "error": error.description])
        }
    }
}
