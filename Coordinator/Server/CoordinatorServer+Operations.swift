import FlotillaStore
import WireProtocol

/// Operator requests from clients: watch, cancel, drain, list runs and agents.
///
/// Cancel and drain are written to the audit log (actor: the client's certificate name)
/// before they are answered; lists are read from the store, with the live state of connected
/// agents laid over it.
extension CoordinatorServer {
    /// Most runs one `ListRuns` answer carries.
    static let maxListedRuns: UInt32 = 10_000

    func operatorRequest(_ message: Message, from session: PeerSession, now: UInt64) {
        let connection = session.connection
        let actor = connection.peerIdentity?.name ?? ""
        switch message {
        case .watchRun(let watch):
            watchRun(watch.runID, from: session)
        case .cancelRun(let cancel):
            guard let run = core.runs[cancel.runID], !run.isFinished else {
                let known = core.runs[cancel.runID] != nil || storedRun(cancel.runID) != nil
                connection.send(.commandResult(CommandResult(
                    ok: false, message: known ? "run \(cancel.runID) has already finished"
                        : "no run '\(cancel.runID)' on this coordinator (see 'flotilla runs')")))
                return
            }
            let reason = cancel.reason.isEmpty ? "cancelled by \(actor)" : cancel.reason
            audit(AuditEntry(at: Self.wallClockMillis(), actor: actor, action: .cancelled, subject: cancel.runID, detail: reason))
            logger.info("run cancelled", ["run.id": cancel.runID, "client.name": actor])
            perform(core.cancelRun(cancel.runID, reason: reason, now: now))
            connection.send(.commandResult(CommandResult(ok: true, message: "run \(cancel.runID) cancelled")))
        case .drainAgent(let drain):
            do throws(StoreError) {
                try store.setAgentDrained(name: drain.name, drained: drain.drain, actor: actor, at: Self.wallClockMillis())
            } catch {
                let text = error.kind == .notFound ? "no agent named '\(drain.name)' has ever connected (see 'flotilla agents')"
                    : "cannot record the drain flag: \(error.description)"
                connection.send(.commandResult(CommandResult(ok: false, message: text)))
                return
            }
            logger.info(drain.drain ? "agent drained" : "agent undrained", ["agent.name": drain.name, "client.name": actor])
            let (connected, actions) = core.setAgentDrained(name: drain.name, drained: drain.drain, now: now)
            perform(actions)
            let state = drain.drain ? "drained: it finishes its current jobs and takes no new ones" : "back in service"
            connection.send(.commandResult(CommandResult(
                ok: true, message: "agent \(drain.name) \(state)\(connected ? "" : " (not connected now)")")))
        case .listRuns(let list):
            connection.send(.runList(runList(limit: min(max(list.limit, 1), Self.maxListedRuns))))
        case .listAgents:
            connection.send(.agentList(agentList()))
        default:
            break
        }
    }

    private func watchRun(_ runID: String, from session: PeerSession) {
        if let actions = core.watchRun(runID, by: session.connection.id) {
            return perform(actions)
        }
        // Finished (or from before a restart): the stored outcome and verdict answer at once.
        let memory = core.runs[runID]
        var outcome: RunOutcome?
        if case .finished(let finished)? = memory?.phase { outcome = finished }
        if outcome == nil { outcome = storedRun(runID)?.outcome }
        guard let outcome else {
            let text = memory != nil || storedRun(runID) != nil
                ? "run \(runID) did not finish before the coordinator restarted and cannot be followed"
                : "no run '\(runID)' on this coordinator (see 'flotilla runs')"
            session.connection.send(.runRejected(RunRejected(reason: text)))
            return
        }
        var verdict = ""
        do throws(StoreError) {
            verdict = try store.verdict(ofRun: runID)?.json ?? ""
        } catch {
            logger.warning("cannot read a stored verdict", ["run.id": runID, "error": error.description])
        }
        session.connection.send(.runFinished(RunFinished(runID: runID, outcome: outcome,
                                                         jobs: memory?.summaries() ?? storedSummaries(runID),
                                                         verdictJSON: verdict)))
    }

    /// A finished run's job table from the store (a run from before a restart): each job with
    /// its last attempt's agent, exit code and duration.
    private func storedSummaries(_ runID: String) -> [JobSummary] {
        do throws(StoreError) {
            let attempts = Dictionary(grouping: try store.attempts(ofRun: runID), by: { $0.ref.jobID })
            return try store.jobs(ofRun: runID).map { job in
                let last = attempts[job.planned.id]?.max { $0.ref.attempt < $1.ref.attempt }
                var duration: UInt64 = 0
                if let last, let end = last.finishedAt { duration = UInt64(max(0, end - (last.startedAt ?? last.assignedAt))) }
                return JobSummary(jobID: job.planned.id, name: job.planned.displayName, agentName: last?.agentName ?? "",
                                  state: job.state, durationMillis: duration, exitCode: last?.exitCode,
                                  attempts: last?.ref.attempt ?? 0)
            }
        } catch {
            logger.warning("cannot read a stored run's jobs", ["run.id": runID, "error": error.description])
            return []
        }
    }

    private func runList(limit: UInt32) -> RunList {
        do throws(StoreError) {
            let runs = try store.runs(limit: Int(limit)).map {
                RunListEntry(id: $0.id, pipeline: $0.pipelineFileName, state: $0.state.rawValue, outcome: $0.outcome,
                             submitter: $0.submitter, revision: $0.sourceRevision, submittedAtMillis: $0.submittedAt,
                             finishedAtMillis: $0.finishedAt)
            }
            return RunList(runs: runs)
        } catch {
            return RunList(runs: [], error: "cannot read the coordinator's runs: \(error.description)")
        }
    }

    private func agentList() -> AgentList {
        do throws(StoreError) {
            let live = Dictionary(core.agents.values.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let agents = try store.agents().map { stored in
                let agent = live[stored.name]
                return AgentListEntry(name: stored.name, labels: stored.labels, capacity: UInt32(clamping: stored.capacity),
                                      connected: agent != nil, drained: agent?.drained ?? stored.drained,
                                      running: UInt32(clamping: agent?.running.count ?? 0),
                                      fingerprint: stored.fingerprint, lastSeenMillis: stored.lastSeen)
            }
            return AgentList(agents: agents)
        } catch {
            return AgentList(agents: [], error: "cannot read the coordinator's agents: \(error.description)")
        }
    }

    /// The stored drain flag of an agent (false for a new one, or when the store cannot say).
    func storedDrainFlag(_ name: String) -> Bool {
        do throws(StoreError) {
            return try store.agent(named: name)?.drained ?? false
        } catch {
            logger.warning("cannot read the agent's drain flag", ["agent.name": name, "error": error.description])
            return false
        }
    }

    private func storedRun(_ runID: String) -> StoredRun? {
        do throws(StoreError) {
            return try store.run(runID)
        } catch {
            logger.warning("cannot read a stored run", ["run.id": runID, "error": error.description])
            return nil
        }
    }

    private func audit(_ entry: AuditEntry) {
        do throws(StoreError) {
            try store.recordAudit(entry)
        } catch {
            logger.error("cannot write the audit log", ["audit.action": entry.action.rawValue, "error": error.description])
        }
    }
}
