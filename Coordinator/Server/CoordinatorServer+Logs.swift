import FlotillaStore
import WireProtocol

/// `flotilla logs --coordinator`: a run's stored job logs, read from the store and streamed back.
extension CoordinatorServer {
    /// Answers a `FetchLogs`: the listing, each attempt's chunks (read from disk as the
    /// connection drains, so a large log never sits in memory), then `CommandResult`.
    func sendLogs(_ request: FetchLogs, to session: PeerSession) {
        let sender = artifacts.replySender(for: session.connection)
        guard sender.hasRoom else {
            session.connection.close(sending: ProtocolErrorMessage(code: .limitExceeded, message: "too many requests are waiting"))
            return
        }
        func refuse(_ text: String) {
            sender.enqueue([.logListing(LogListing(runID: request.runID, attempts: [], error: text))])
        }
        let jobs: [StoredJob]
        let attempts: [StoredAttempt]
        let index: [LogIndexEntry]
        do throws(StoreError) {
            guard try store.run(request.runID) != nil else {
                return refuse("no run '\(request.runID)' on this coordinator (see 'flotilla runs')")
            }
            jobs = try store.jobs(ofRun: request.runID)
            attempts = try store.attempts(ofRun: request.runID)
            index = try store.logIndex(runID: request.runID)
        } catch {
            logger.warning("cannot read stored logs", ["run.id": request.runID, "error": error.description])
            return refuse("the coordinator cannot read its store: \(error.description)")
        }
        let selected = request.job.isEmpty ? jobs
            : jobs.filter { $0.planned.id == request.job || $0.planned.displayName == request.job }
        if selected.isEmpty {
            return refuse("run \(request.runID) has no job '\(request.job)' (jobs: \(jobs.map(\.planned.id).joined(separator: ", ")))")
        }
        let wanted = Set(selected.map(\.planned.id))
        let listing = selected.flatMap { job in
            attempts.filter { $0.ref.jobID == job.planned.id }.sorted { $0.ref.attempt < $1.ref.attempt }.map {
                LogAttempt(jobID: job.planned.id, name: job.planned.displayName, attempt: $0.ref.attempt, agentName: $0.agentName)
            }
        }
        let entries = index.filter { wanted.contains($0.ref.jobID) }
        sender.enqueue([.logListing(LogListing(runID: request.runID, attempts: listing))])
        sender.enqueueDeferred(entries.map { entry in
            { [store] in
                let data: [UInt8]
                do throws(StoreError) {
                    data = try store.readLogChunk(entry)
                } catch {
                    data = Array("[flotilla: this part of the log cannot be read: \(error.description)]\n".utf8)
                }
                return .logChunk(LogChunk(job: entry.ref, sequence: entry.sequence, stepIndex: entry.stepIndex,
                                          stream: entry.stream, data: data))
            }
        })
        sender.enqueue([.commandResult(CommandResult(ok: true, message: "\(entries.count) log chunks"))])
    }
}
