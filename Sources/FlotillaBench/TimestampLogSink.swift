import FlotillaCore
import Synchronization

/// A log sink that notes when the coordinator and agents reached the milestones of a job.
///
/// The coordinator's "run submitted" record is written after the run was planned and the
/// placement decided, just before `AssignJob` goes out: the coordinator's own "job ready"
/// moment, read without changing its code. The agent's "job assigned" (assignment decoded,
/// runner created) and the runner's "job started" split the rest of the path; the runner's
/// "job finished" (workspace removed, `JobFinished` about to go out) times the way back. Each mark is
/// `CLOCK_REALTIME` taken inside `log`, on the thread that logged.
final class TimestampLogSink: LogSink {
    /// Messages whose first occurrence per run is recorded.
    static let milestones: Set<String> = [Milestone.runSubmitted, Milestone.jobAssigned, Milestone.jobStarted, Milestone.jobFinished,
                                          Milestone.artifactsCollected, Milestone.artifactStored]

    enum Milestone {
        static let runSubmitted = "run submitted"
        static let jobAssigned = "job assigned"
        static let jobStarted = "job started"
        /// The runner is done (workspace removed) and about to report `JobFinished`.
        static let jobFinished = "job finished"
        /// The runner collected the job's artifacts and is handing them to the agent's uploader,
        /// which sends the first `ArtifactBegin` one loop hop later.
        static let artifactsCollected = "artifacts collected"
        /// The coordinator verified (size, SHA-256, fsync, rename) and recorded an artifact; its
        /// `ArtifactAck` goes out right after.
        static let artifactStored = "artifact stored"
    }

    private let marks = Mutex<[String: [String: Int64]]>([:])
    private let forwarding = Atomic<Bool>(true)
    private let stderr = StderrLogSink()

    func log(_ record: LogRecord) {
        let now = BenchClock.realtimeMicros()
        if Self.milestones.contains(record.message), let runID = record.metadata["run.id"] {
            marks.withLock { marks in
                if marks[runID]?[record.message] == nil { marks[runID, default: [:]][record.message] = now }
            }
        }
        if record.level >= .warning && forwarding.load(ordering: .relaxed) { stderr.log(record) }
    }

    /// The first time (realtime µs) each milestone was logged for `runID`.
    func marks(forRun runID: String) -> [String: Int64] {
        marks.withLock { $0[runID] ?? [:] }
    }

    /// Stops forwarding warnings to stderr (the expected noise of tearing the fleet down).
    func silence() { forwarding.store(false, ordering: .relaxed) }
}
