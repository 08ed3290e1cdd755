import FlotillaCore
import FlotillaNet
import WireProtocol

/// The coordinator's artifact handling: agents' uploads in, clients' listings and downloads out.
///
/// Loop-confined; owned by `CoordinatorServer`, which hands it artifact messages. Storage is
/// `STATE/artifacts` (`ArtifactStore`, content-addressed) and `STATE/runs/RUN/artifacts.json`
/// (`ArtifactCatalog`). Upload decisions come back as `CoordinatorAction`s for the server to
/// perform: the agent's `ArtifactAck`, and `ArtifactStored`/`ArtifactRefused` for the run's
/// client. Whether a job attempt may upload is the core's call (`artifactUploadRefusal`).
final class ArtifactService {
    let store: ArtifactStore
    let catalog: ArtifactCatalog
    let receiver: ArtifactReceiver
    private let logger: Logger
    private var senders: [ConnectionID: ArtifactDataSender] = [:]
    /// Called with each artifact recorded in the catalog, before the agent's ack: the
    /// coordinator's SQLite store keeps the same record, per job attempt.
    var onRecorded: ((ArtifactSummary, JobRef) -> Void)?
    /// Records per ArtifactList page: well under the list limit and, at the longest names and
    /// paths (about 4.5 KB a record), under the frame limit.
    static let pageSize = 200

    /// - Throws: `ArtifactStoreError` or `ArtifactCatalogError` when the state directory is unusable.
    init(stateDirectory: String, logger: Logger, maxBytesPerJob: UInt64 = 10 << 30) throws {
        store = try ArtifactStore(directory: stateDirectory + "/artifacts")
        catalog = try ArtifactCatalog(runsDirectory: stateDirectory + "/runs")
        receiver = ArtifactReceiver(store: store, maxBytesPerJob: maxBytesPerJob)
        self.logger = logger
    }

    /// A run was accepted: its (empty) manifest makes it listable even if it never stores anything.
    func runAccepted(_ runID: String) {
        do {
            try catalog.runAccepted(runID)
        } catch {
            logger.warning("cannot write the run's artifact manifest", ["run.id": runID, "error": "\(error)"])
        }
    }

    /// An artifact message from an agent; returns what to send (or the connection to close).
    func agentMessage(_ message: Message, from connection: ConnectionID, core: CoordinatorCore) -> [CoordinatorAction] {
        do throws(ArtifactProtocolViolation) {
            switch message {
            case .artifactBegin(let begin):
                try receiver.begin(begin, from: connection, refusal: core.artifactUploadRefusal(begin.job, from: connection))
                return []
            case .artifactChunk(let chunk):
                try receiver.chunk(chunk, from: connection)
                return []
            case .artifactEnd(let end):
                return answer(try receiver.end(end, from: connection), to: connection, core: core)
            case .artifactRefused(let refused):
                guard core.artifactUploadRefusal(refused.job, from: connection) == nil,
                      let client = core.client(ofRun: refused.job.runID) else { return [] }
                return [.send(client, .artifactRefused(refused))]
            default:
                return []
            }
        } catch {
            logger.warning("agent broke the artifact upload sequence", ["error": error.description])
            return [.close(connection, ProtocolErrorMessage(code: .unexpectedMessage, message: error.description))]
        }
    }

    /// The agent reported the job attempt finished: nothing more may arrive for it.
    func jobFinished(_ job: JobRef, on connection: ConnectionID) {
        receiver.jobEnded(job, on: connection)
    }

    /// The connection's reply queue (made on first use): answers go out in request order.
    func replySender(for connection: FramedConnection) -> ArtifactDataSender {
        let sender = senders[connection.id] ?? ArtifactDataSender(connection: connection, store: store)
        senders[connection.id] = sender
        return sender
    }

    /// A client's ListArtifacts or FetchArtifact; answered on its connection, in order.
    func clientRequest(_ message: Message, on connection: FramedConnection, core: CoordinatorCore) {
        let sender = replySender(for: connection)
        switch message {
        case .listArtifacts(let request):
            guard sender.hasRoom else { return refuseBusy(connection) }
            sender.enqueue(listing(request.runID, core: core))
        case .fetchArtifact(let request):
            guard sender.hasRoom else { return refuseBusy(connection) }
            switch lookup(request.runID, core: core) {
            case .failure(let error):
                sender.enqueue([.artifactList(ArtifactList(runID: request.runID, artifacts: [], error: error.message))])
            case .success(let records):
                if let record = records.first(where: { $0.name == request.name }) {
                    sender.enqueueDownload(runID: request.runID, record: record)
                } else {
                    sender.enqueue([.artifactList(ArtifactList(runID: request.runID, artifacts: [],
                                                               error: "run \(request.runID) has no artifact named '\(request.name)'"))])
                }
            }
        default:
            break
        }
    }

    /// The connection is gone (agent or client).
    func connectionClosed(_ connection: ConnectionID) {
        receiver.connectionClosed(connection)
        senders[connection] = nil
    }

    // MARK: Uploads

    private func answer(_ result: ArtifactReceiver.EndResult, to agent: ConnectionID, core: CoordinatorCore) -> [CoordinatorAction] {
        switch result {
        case .verified(let begin, let sha, let deduplicated):
            let proposal = ArtifactSummary(name: begin.name, jobID: begin.job.jobID, relativePath: begin.relativePath,
                                           kind: begin.kind, size: begin.size, sha256: sha)
            let record: ArtifactSummary
            do {
                record = try catalog.record(proposal, inRun: begin.job.runID)
            } catch {
                logger.error("cannot record an artifact", ["run.id": begin.job.runID, "error": "\(error)"])
                return reject(begin, reason: "the coordinator cannot record it: \(error)", agent: agent, core: core)
            }
            onRecorded?(record, begin.job)
            logger.info("artifact stored", ["run.id": begin.job.runID, "job.id": begin.job.jobID,
                                            "artifact.name": record.name, "artifact.size": String(record.size),
                                            "artifact.sha256": sha, "artifact.deduplicated": String(deduplicated)])
            var actions: [CoordinatorAction] = [.send(agent, .artifactAck(ArtifactAck(
                job: begin.job, artifactID: begin.artifactID, status: .stored, message: "stored as \(record.name)")))]
            if let client = core.client(ofRun: begin.job.runID) {
                actions.append(.send(client, .artifactStored(ArtifactStored(runID: begin.job.runID, record: record))))
            }
            return actions
        case .retry(let begin, let reason):
            logger.warning("artifact failed verification; asking for it again",
                           ["run.id": begin.job.runID, "job.id": begin.job.jobID, "artifact.path": begin.relativePath,
                            "error": reason])
            return [.send(agent, .artifactAck(ArtifactAck(job: begin.job, artifactID: begin.artifactID, status: .retry,
                                                          message: reason)))]
        case .rejected(let begin, let reason):
            logger.warning("artifact rejected", ["run.id": begin.job.runID, "job.id": begin.job.jobID,
                                                 "artifact.path": begin.relativePath, "error": reason])
            return reject(begin, reason: reason, agent: agent, core: core)
        }
    }

    private func reject(_ begin: ArtifactBegin, reason: String, agent: ConnectionID, core: CoordinatorCore) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = [.send(agent, .artifactAck(ArtifactAck(
            job: begin.job, artifactID: begin.artifactID, status: .rejected, message: reason)))]
        if let client = core.client(ofRun: begin.job.runID) {
            actions.append(.send(client, .artifactRefused(ArtifactRefused(
                job: begin.job, path: begin.relativePath, reason: "rejected by the coordinator: \(reason)"))))
        }
        return actions
    }

    // MARK: Listing

    private struct LookupError: Error { var message: String }

    private func lookup(_ runID: String, core: CoordinatorCore) -> Result<[ArtifactSummary], LookupError> {
        do {
            if let records = try catalog.artifacts(ofRun: runID) { return .success(records) }
            if core.runs[runID] != nil { return .success([]) }
            return .failure(LookupError(message: "no run '\(runID)' is known to this coordinator"))
        } catch {
            return .failure(LookupError(message: "cannot read the artifacts of run \(runID): \(error)"))
        }
    }

    private func listing(_ runID: String, core: CoordinatorCore) -> [Message] {
        switch lookup(runID, core: core) {
        case .failure(let error):
            return [.artifactList(ArtifactList(runID: runID, artifacts: [], error: error.message))]
        case .success(let records):
            guard !records.isEmpty else { return [.artifactList(ArtifactList(runID: runID, artifacts: []))] }
            return stride(from: 0, to: records.count, by: Self.pageSize).map { start in
                let end = min(records.count, start + Self.pageSize)
                return .artifactList(ArtifactList(runID: runID, artifacts: Array(records[start..<end]),
                                                  isLast: end == records.count))
            }
        }
    }

    private func refuseBusy(_ connection: FramedConnection) {
        connection.close(sending: ProtocolErrorMessage(
            code: .limitExceeded, message: "more than \(ArtifactDataSender.maxQueued) artifact requests are waiting"))
    }
}
