import FlotillaCore

/// A re-run of a benchmark job whose result looked like a regression, to confirm it before a
/// performance gate fails the run.
///
/// It is a job of its own in the run, `JOB (confirm)` with id `JOB-confirm`: a copy of the
/// benchmark job that needs nothing, cannot fail the run (`continue-on-error`), and is placed
/// on an agent of the same machine class: another one than the first run's when the fleet has
/// one (it waits for it), else the same one.
/// Its samples are stored under the original job with purpose `confirm`.
public struct BenchmarkConfirmation: Sendable, Equatable {
    /// The benchmark job being confirmed.
    public var parent: String
    /// Agents of this class only; empty when unknown (a run resumed after a restart): any agent.
    public var machineClass: String
    /// The agent of the suspicious run: another one of the class takes the re-run when there is one.
    public var avoidAgent: String

    public init(parent: String, machineClass: String, avoidAgent: String) {
        self.parent = parent; self.machineClass = machineClass; self.avoidAgent = avoidAgent
    }

    /// `PARENT-confirm`, or the first free `-2`, `-3`, … variant.
    static func id(parent: String, taken: Set<String>) -> String {
        var candidate = "\(parent)-confirm"
        var n = 2
        while taken.contains(candidate) { candidate = "\(parent)-confirm-\(n)"; n += 1 }
        return candidate
    }

    /// The confirmation job for `job`.
    static func job(confirming job: PlannedJob, id: String) -> PlannedJob {
        var copy = job
        copy.id = id
        copy.displayName = "\(job.displayName) (confirm)"
        copy.needs = []
        copy.condition = ""
        copy.continueOnError = true
        copy.matrixGroup = ""
        copy.failFast = false
        copy.maxParallel = 0
        return copy
    }

    /// Per confirmation job id, its confirmation, read back from a stored job list (after a
    /// restart the machine class is not known, so any agent may take it).
    static func recovered(from jobs: [PlannedJob]) -> [String: BenchmarkConfirmation] {
        let byID = Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var map: [String: BenchmarkConfirmation] = [:]
        for job in jobs where job.benchmark != nil && job.displayName.hasSuffix(" (confirm)") {
            guard let range = job.id.range(of: "-confirm", options: .backwards) else { continue }
            let parent = String(job.id[..<range.lowerBound])
            guard byID[parent]?.benchmark != nil else { continue }
            map[job.id] = BenchmarkConfirmation(parent: parent, machineClass: "", avoidAgent: "")
        }
        return map
    }
}
