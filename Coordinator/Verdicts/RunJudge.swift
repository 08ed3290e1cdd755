#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import WireProtocol

/// Turns a finished run into its verdict: job conclusions, result files read from the
/// artifact store, and the pipeline's gates.
///
/// The judging itself is `GateEvaluator` (pure); this only gathers its inputs, which means
/// reading the run's junit/coverage/sarif artifacts back from the content-addressed store.
///
/// **Retries.** A job's gates see only its final attempt's result files; earlier attempts' JUnit
/// files feed `FlakyTestFinder`. That needs to know which attempt uploaded each artifact
/// (`artifactAttempts`); an artifact of unknown attempt is taken as the final attempt's, as
/// before retries existed, and takes no part in finding flaky tests.
struct RunJudge {
    let store: ArtifactStore

    /// The verdict for `run`, whose jobs ended as `finished` says, and the result files the gates read.
    ///
    /// - Parameters:
    ///   - artifacts: The run's stored artifacts, in recording order.
    ///   - artifactAttempts: The attempt (1-based) that uploaded each artifact, by artifact name,
    ///     where known.
    ///   - performance: The run's benchmark series, with re-runs already made for the suspects
    ///     (`PerformanceGate.suspects`), for `performance` gates.
    func judge(_ run: RunRecord, finished: RunFinished, artifacts: [ArtifactSummary], artifactAttempts: [String: UInt32] = [:],
               performance: [PerformanceEvidence] = []) -> (Verdict, [ResultFile]) {
        var inputJobs: [GateInputs.Job] = []
        var verdictJobs: [VerdictJob] = []
        var finalAttempt: [String: UInt32] = [:]
        for summary in finished.jobs {
            finalAttempt[summary.jobID] = summary.attempts
            let planned = run.indexByID[summary.jobID].map { run.jobs[$0].planned }
            let conclusion = Self.conclusion(summary.state)
            inputJobs.append(GateInputs.Job(id: summary.jobID, jobKey: planned?.jobKey ?? summary.jobID,
                                            displayName: summary.name, status: conclusion,
                                            continueOnError: planned?.continueOnError ?? false))
            let retried = run.indexByID[summary.jobID].map { run.jobs[$0].retryReasons.map(\.rawValue) } ?? []
            verdictJobs.append(VerdictJob(id: summary.jobID, status: conclusion, agent: summary.agentName,
                                          attempts: Int(summary.attempts),
                                          durationSeconds: Double(summary.durationMillis) / 1000,
                                          exitCode: summary.exitCode.map(Int.init), retried: retried,
                                          flaky: FlakyTestFinder.isFlaky(retried: retried, final: conclusion)))
        }
        var results: [ResultFile] = []
        var attemptResults: [FlakyTestFinder.AttemptResults] = []
        for artifact in artifacts {
            guard let kind = Self.kind(artifact.kind), kind != .file else { continue }
            let file: ResultFile?
            switch readResultBytes(artifact) {
            case .success(let bytes):
                file = ResultFile.parse(bytes, job: artifact.jobID, name: artifact.name, kind: kind)
            case .failure(let reason):
                file = ResultFile(job: artifact.jobID, name: artifact.name, kind: kind, content: .missing(reason.message))
            }
            guard let file else { continue }
            let attempt = artifactAttempts[artifact.name]
            if let attempt, case .junit(let report) = file.content {
                attemptResults.append(FlakyTestFinder.AttemptResults(job: artifact.jobID, attempt: Int(attempt), cases: report.cases))
            }
            // The final attempt's results decide; an earlier attempt's are history.
            if let attempt, let last = finalAttempt[artifact.jobID], attempt < last { continue }
            results.append(file)
        }
        let verdict = GateEvaluator.judge(
            run: run.id, gates: run.gates, inputs: GateInputs(jobs: inputJobs, results: results, performance: performance),
            emergency: run.emergency, jobs: verdictJobs,
            artifacts: artifacts.map { VerdictArtifact(name: $0.name, job: $0.jobID, size: $0.size, sha256: $0.sha256) },
            flakyTests: FlakyTestFinder.find(attemptResults))
        return (verdict, results)
    }

    private struct ReadFailure: Error { var message: String }

    /// At most one byte over the parsers' limit, so an oversized file is refused by size, not read whole.
    private func readResultBytes(_ artifact: ArtifactSummary) -> Result<[UInt8], ReadFailure> {
        let fd: Int32
        do {
            fd = try store.openForReading(sha256: artifact.sha256, size: artifact.size)
        } catch {
            return .failure(ReadFailure(message: "cannot read the stored artifact: \(error)"))
        }
        defer { close(fd) }
        let limit = Int(min(artifact.size, UInt64(ResultLimits.maxBytes) + 1))
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, limit - filled) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 {
                return .failure(ReadFailure(message: "cannot read the stored artifact: \(String(cString: strerror(errno)))"))
            }
            if got == 0 { break }
            filled += got
        }
        return .success(Array(bytes[0..<filled]))
    }

    static func conclusion(_ state: JobState) -> JobConclusion {
        switch state {
        case .succeeded: return .success
        case .failed: return .failure
        case .timedOut: return .timedOut
        case .agentLost: return .agentLost
        case .skipped: return .skipped
        // A run only finishes when every job has ended; anything unfinished was cut short.
        case .cancelled, .queued, .assigned, .running: return .cancelled
        }
    }

    static func kind(_ code: ArtifactKindCode) -> ArtifactKind? {
        switch code {
        case .file: return .file
        case .junit: return .junit
        case .coverage: return .coverage
        case .sarif: return .sarif
        }
    }
}
