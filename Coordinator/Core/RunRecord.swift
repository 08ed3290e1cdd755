import FlotillaCore
import WireProtocol

/// One job of a run, with its live state.
public struct JobRecord: Sendable, Equatable {
    public var planned: PlannedJob
    public var state: JobState = .queued
    public var attempts: UInt32 = 0
    public var agentName: String = ""
    public var agentConnection: ConnectionID?
    public var assignedAt: UInt64?
    public var startedAt: UInt64?
    public var finishedAt: UInt64?
    public var exitCode: Int32?
    public var detail: String = ""
    /// Length of the longest chain of jobs that wait on this one (itself included); placed first.
    public var chainLength: Int = 1
    /// Why earlier attempts were retried, oldest first.
    public var retryReasons: [RetryPolicy.Reason] = []

    public init(planned: PlannedJob) { self.planned = planned }

    /// The attempt currently (or last) placed.
    public func ref(runID: String) -> JobRef { JobRef(runID: runID, jobID: planned.id, attempt: attempts) }

    /// Whether jobs that `need` this one may start.
    public var satisfiesNeeds: Bool {
        state == .succeeded || (state.isTerminal && state != .skipped && state != .cancelled && planned.continueOnError)
    }

    public var durationMillis: UInt64 {
        guard let start = startedAt ?? assignedAt, let end = finishedAt, end >= start else { return 0 }
        return end - start
    }
}

/// A submitted pipeline run and the client watching it.
public struct RunRecord: Sendable, Equatable {
    public enum Phase: Sendable, Equatable { case waitingForBundle, active, finished(RunOutcome) }

    public var id: String
    /// The submitting connection while it is open.
    public var client: ConnectionID?
    /// Other client connections following the run (`WatchRun`); they get the submitter's events.
    public var watchers: Set<ConnectionID> = []
    /// Submitted detached (`flotilla submit`): the submitter closing does not cancel it.
    public var detached: Bool
    public var pipelineFileName: String
    /// The source revision the run was submitted with (`git` commit), for benchmark histories.
    public var sourceRevision: String
    public var bundleSHA256: String
    public var bundleSize: UInt64
    public var jobs: [JobRecord]
    public var indexByID: [String: Int]
    public var phase: Phase
    public var submittedAt: UInt64
    /// The pipeline's top-level `gates:`, judged when the run ends.
    public var gates: [GateSpec]
    /// Submitted with `--emergency`: non-critical gates are skipped.
    public var emergency: Bool
    /// `CoordinatorCore`'s placement count when this run last had a job placed; 0 before any.
    public var lastPlacement: UInt64 = 0
    /// Jobs that list each job in `needs`, by index.
    public private(set) var dependents: [[Int]] = []
    /// Indices of jobs in state `queued`: the only ones the scheduler looks at.
    public private(set) var queued: Set<Int> = []
    /// Jobs not yet in a terminal state; the run is complete at zero.
    public private(set) var unfinishedCount: Int = 0
    /// Assigned or running jobs per matrix group, for `max-parallel`.
    public private(set) var activeByGroup: [String: Int] = [:]
    /// Job indices in placement priority: longest dependent chain first, then plan order.
    public private(set) var priorityOrder: [Int] = []
    /// Where each job stands in `priorityOrder`.
    public private(set) var priorityPosition: [Int] = []
    /// Positions before this in `priorityOrder` hold no queued job.
    public private(set) var scanStart = 0
    /// Jobs whose state changed since the driver last took them (`takeChangedJobs`), in order:
    /// what the driver must make durable before it performs the actions of the same event.
    public private(set) var changedJobs: [Int] = []
    /// The distinct `runs-on` label sets of the run's jobs.
    public private(set) var distinctLabelSets: [Set<String>] = []
    /// Each job's `runs-on` labels as a set, built once.
    public private(set) var labelSets: [Set<String>] = []
    /// How many distinct `runs-on` label sets the run has.
    public private(set) var labelSetCount = 1
    /// The run's `list:` discovery jobs: for each discovery job id, the sharded job it discovers tests for.
    public internal(set) var shardDiscoveries: [String: String] = [:]
    /// What running discovery jobs printed so far, by job id (bounded; see `ShardListOutput`).
    public internal(set) var shardListOutputs: [String: ShardListOutput] = [:]
    /// True while `files:`-sharded jobs wait for the source bundle's file list: the run stays
    /// in `waitingForBundle` until `CoordinatorCore.sourceFilesListed` has split them.
    public internal(set) var awaitingSourceFiles = false
    /// Benchmark confirmation re-runs, by their job id (`CoordinatorCore.confirmBenchmark`).
    public internal(set) var confirmations: [String: BenchmarkConfirmation] = [:]
    /// Counts replacements of the job list (`replaceJobs`); job indices taken before one are stale.
    public private(set) var jobListRevision = 0

    public init(id: String, client: ConnectionID?, submit: SubmitRun, plan: Plan, bundleAvailable: Bool, now: UInt64) {
        self.id = id
        self.client = client
        self.pipelineFileName = submit.pipelineFileName
        self.sourceRevision = submit.sourceRevision
        self.bundleSHA256 = submit.bundleSHA256
        self.bundleSize = submit.bundleSize
        self.jobs = plan.jobs.map(JobRecord.init(planned:))
        var index: [String: Int] = [:]
        for (i, job) in plan.jobs.enumerated() { index[job.id] = i }
        self.indexByID = index
        self.phase = bundleAvailable ? .active : .waitingForBundle
        self.submittedAt = now
        self.gates = plan.gates
        self.emergency = submit.emergency
        self.detached = submit.detached
        self.queued = Set(jobs.indices)
        self.unfinishedCount = jobs.count
        computeChainLengths()
        self.priorityOrder = jobs.indices.sorted { (jobs[$0].chainLength, -$0) > (jobs[$1].chainLength, -$1) }
        var positions = [Int](repeating: 0, count: jobs.count)
        for (position, i) in priorityOrder.enumerated() { positions[i] = position }
        self.priorityPosition = positions
        self.labelSets = jobs.map { Set($0.planned.runsOn) }
        self.distinctLabelSets = Array(Set(labelSets)).sorted { $0.sorted().lexicographicallyPrecedes($1.sorted()) }
        self.labelSetCount = max(1, distinctLabelSets.count)
    }

    /// Returns and forgets the jobs changed since the last call.
    public mutating func takeChangedJobs() -> [Int] {
        defer { changedJobs.removeAll(keepingCapacity: true) }
        return changedJobs
    }

    /// Replaces the job list by `planned` and rebuilds every index the scheduler keeps.
    ///
    /// A job whose id is still in `planned` keeps its record (state, attempts, agent, times)
    /// with the new definition (its `needs` may have been rewritten); a new id starts queued.
    /// Indices, dependents, chain lengths, priority order, the queued set, counters, group
    /// tallies and label sets are recomputed from scratch, as `init` computes them, and every
    /// job counts as changed for `takeChangedJobs` (indices moved).
    ///
    /// - Precondition: ids in `planned` are unique; every job dropped is still queued (never placed).
    public mutating func replaceJobs(_ planned: [PlannedJob]) {
        var records: [String: JobRecord] = [:]
        for job in jobs { records[job.planned.id] = job }
        let kept = Set(planned.map(\.id))
        precondition(kept.count == planned.count, "job ids must be unique")
        for job in jobs where !kept.contains(job.planned.id) {
            precondition(job.state == .queued && job.attempts == 0, "only a job never placed can be replaced")
        }
        jobs = planned.map { job in
            var record = records[job.id] ?? JobRecord(planned: job)
            record.planned = job
            return record
        }
        var index: [String: Int] = [:]
        for (i, job) in jobs.enumerated() { index[job.planned.id] = i }
        indexByID = index
        queued = Set(jobs.indices.filter { jobs[$0].state == .queued })
        unfinishedCount = jobs.filter { !$0.state.isTerminal }.count
        var active: [String: Int] = [:]
        for job in jobs where job.state == .assigned || job.state == .running { active[job.planned.matrixGroup, default: 0] += 1 }
        activeByGroup = active
        computeChainLengths()
        priorityOrder = jobs.indices.sorted { (jobs[$0].chainLength, -$0) > (jobs[$1].chainLength, -$1) }
        var positions = [Int](repeating: 0, count: jobs.count)
        for (position, i) in priorityOrder.enumerated() { positions[i] = position }
        priorityPosition = positions
        scanStart = 0
        labelSets = jobs.map { Set($0.planned.runsOn) }
        distinctLabelSets = Array(Set(labelSets)).sorted { $0.sorted().lexicographicallyPrecedes($1.sorted()) }
        labelSetCount = max(1, distinctLabelSets.count)
        changedJobs = Array(jobs.indices)
        jobListRevision += 1
    }

    /// Moves `scanStart` past jobs that are not queued; `transition` moves it back when one is queued again.
    public mutating func advanceScanStart() {
        while scanStart < priorityOrder.count && jobs[priorityOrder[scanStart]].state != .queued { scanStart += 1 }
    }

    /// Moves job `i` to `state`, keeping the queued set, counters and group tallies true.
    ///
    /// Every state change goes through here: the scheduler's cost depends on these staying exact.
    public mutating func transition(_ i: Int, to state: JobState) {
        let old = jobs[i].state
        guard old != state else { return }
        jobs[i].state = state
        changedJobs.append(i)
        if old == .queued { queued.remove(i) }
        if state == .queued {
            queued.insert(i)
            scanStart = min(scanStart, priorityPosition[i])
        }
        if !old.isTerminal && state.isTerminal { unfinishedCount -= 1 }
        if old.isTerminal && !state.isTerminal { unfinishedCount += 1 }
        let group = jobs[i].planned.matrixGroup
        let wasActive = old == .assigned || old == .running
        let isActive = state == .assigned || state == .running
        if wasActive != isActive { activeByGroup[group, default: 0] += isActive ? 1 : -1 }
    }

    /// Longest dependent chain per job, so the scheduler starts the critical path first.
    private mutating func computeChainLengths() {
        var dependents = [[Int]](repeating: [], count: jobs.count)
        for (i, job) in jobs.enumerated() {
            for need in job.planned.needs { if let n = indexByID[need] { dependents[n].append(i) } }
        }
        self.dependents = dependents
        var memo: [Int: Int] = [:]
        func length(_ i: Int, _ depth: Int) -> Int {
            if let known = memo[i] { return known }
            // The planner rejects cycles; the depth bound only keeps a bad plan from recursing forever.
            guard depth < jobs.count + 1 else { return 1 }
            let value = 1 + (dependents[i].map { length($0, depth + 1) }.max() ?? 0)
            memo[i] = value
            return value
        }
        for i in jobs.indices { jobs[i].chainLength = length(i, 0) }
    }

    /// Every connection that hears of the run's events: the submitter, then watchers by id.
    public var audience: [ConnectionID] {
        (client.map { [$0] } ?? []) + watchers.sorted().filter { $0 != client }
    }

    public var isFinished: Bool { if case .finished = phase { return true } else { return false } }

    public func summaries() -> [JobSummary] {
        jobs.map {
            JobSummary(jobID: $0.planned.id, name: $0.planned.displayName, agentName: $0.agentName, state: $0.state,
                       durationMillis: $0.durationMillis, exitCode: $0.exitCode, attempts: $0.attempts)
        }
    }
}
