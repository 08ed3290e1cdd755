#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCoordinator
import FlotillaCore
import WireProtocol

/// `flotilla-bench schedule`: what one scheduling decision costs with a deep queue and a big fleet.
///
/// Drives `CoordinatorCore` directly (no sockets, no processes). A fleet of `agents` agents with
/// mixed labels (40% `linux`, 20% `linux`+`gpu`, 20% `macos`, 20% `windows`; capacity 1 or 2) and
/// one run of independent jobs with a seeded mix of the same label sets. A *decision* is one
/// `received(.jobFinished)` call: the job ends, its slot frees, and the core places what it can
/// (usually one job). Each is timed alone; the agent's `JobStarted` for the new job is not.
///
/// The queue is held near `queued`: each core instance gets `queued + k + slots` jobs, fills the
/// fleet (timed apart, as `submit_ms`), then `k = max(1, queued / 10)` decisions are measured, so
/// every measured decision sees between `queued` and `1.1 × queued` queued jobs. Fresh instances
/// are made until `samples` decisions are measured. The reference is the same procedure with
/// `referenceQueued` jobs on `referenceAgents` agents, in the same process, interleaved with the
/// large configuration so a noisy neighbour hits both.
struct ScheduleBenchmark {
    struct Options: Equatable {
        var queued = 10_000
        var agents = 500
        var referenceQueued = 10
        var referenceAgents = 5
        var samples = 5_000
        var seed: UInt64 = 1
        /// Every agent and job labelled `linux` instead of the mix: separates the cost of the
        /// queue's depth from the cost of label mismatches.
        var uniformLabels = false
        var jsonPath: String?
    }

    /// The figures of one configuration.
    struct Measurement {
        var queued: Int
        var agents: Int
        var slots: Int
        /// Microseconds per decision.
        var decisions: Distribution
        /// Microseconds per decision that placed at least one job.
        var placing: Distribution?
        var placements: Int
        /// Decisions that placed nothing although jobs were queued.
        var idleDecisions: Int
        /// Of those, the ones where a queued job fitted an agent with a free slot: work the
        /// scheduler could have started but did not (a placement-quality figure, not a cost).
        var starvedDecisions: Int
        /// Free slots in the fleet when each decision started (before the finishing job's slot freed).
        var freeSlots: Distribution
        var minQueueDepth: Int
        var maxQueueDepth: Int
        /// Milliseconds to submit a run and fill the fleet, per instance.
        var submit: Distribution
    }

    static let usage = """
        usage: flotilla-bench schedule [--queued N] [--agents N] [--reference-queued N] [--reference-agents N]
                                       [--samples N] [--seed N] [--labels mixed|uniform] [--json FILE]

        Drives the coordinator's state machine alone with --agents agents (mixed labels, capacity 1-2) and a
        run holding --queued queued jobs, and times every scheduling decision (a job finishes, its slot is
        refilled). Reports p50/p99/max microseconds per decision, and the same for a reference of
        --reference-queued jobs on --reference-agents agents measured in the same process, with the ratios.

          --queued N            queued jobs during measured decisions, 1-1000000 (default 10000)
          --agents N            agents, 1-100000 (default 500)
          --reference-queued N  reference queue depth (default 10)
          --reference-agents N  reference agents (default 5)
          --samples N           measured decisions per configuration, 10-1000000 (default 5000)
          --seed N              seed of the label mix and of which job finishes next (default 1)
          --labels KIND         mixed (default) or uniform (every agent and job `linux`)
          --json FILE           also write the report to FILE
        """

    let options: Options

    /// Parses the arguments after `schedule`.
    static func parse(_ arguments: [String]) throws(BenchError) -> Options {
        var options = Options()
        var arguments = BenchArguments(arguments)
        while let option = arguments.next() {
            switch option {
            case "--queued": options.queued = try arguments.integer(1...1_000_000)
            case "--agents": options.agents = try arguments.integer(1...100_000)
            case "--reference-queued": options.referenceQueued = try arguments.integer(1...1_000_000)
            case "--reference-agents": options.referenceAgents = try arguments.integer(1...100_000)
            case "--samples": options.samples = try arguments.integer(10...1_000_000)
            case "--seed": options.seed = UInt64(try arguments.integer(0...Int.max))
            case "--labels":
                let kind = try arguments.value()
                guard kind == "mixed" || kind == "uniform" else { throw .usage("--labels expects mixed or uniform, got '\(kind)'") }
                options.uniformLabels = kind == "uniform"
            case "--json": options.jsonPath = try arguments.value()
            default: throw .usage("unknown option '\(option)' for schedule")
            }
        }
        return options
    }

    /// Measures both configurations, interleaving their instances.
    func run() throws(BenchError) -> (large: Measurement, reference: Measurement) {
        var rng = BenchRandom(seed: options.seed)
        // Warm caches and lazy initialisation in both shapes before anything counts.
        var scratch = Accumulator()
        try instance(queued: options.referenceQueued, agents: options.referenceAgents, decisions: 1, rng: &rng, into: &scratch)
        try instance(queued: min(options.queued, 200), agents: options.agents, decisions: 20, rng: &rng, into: &scratch)

        var large = Accumulator(), reference = Accumulator()
        let largeStep = max(1, options.queued / 10), referenceStep = max(1, options.referenceQueued / 10)
        while large.samples.count < options.samples || reference.samples.count < options.samples {
            if large.samples.count < options.samples {
                try instance(queued: options.queued, agents: options.agents,
                             decisions: min(largeStep, options.samples - large.samples.count), rng: &rng, into: &large)
            }
            // As many reference decisions as the large instance just took, so both share the machine's moods.
            let target = min(options.samples, max(reference.samples.count + 1, large.samples.count))
            while reference.samples.count < target {
                try instance(queued: options.referenceQueued, agents: options.referenceAgents,
                             decisions: min(referenceStep, target - reference.samples.count), rng: &rng, into: &reference)
            }
        }
        return (large.measurement(queued: options.queued, agents: options.agents),
                reference.measurement(queued: options.referenceQueued, agents: options.referenceAgents))
    }

    /// What the instances of one configuration measured.
    private struct Accumulator {
        var samples: [Double] = []
        var placingSamples: [Double] = []
        var freeSlots: [Double] = []
        var submits: [Double] = []
        var placements = 0, idle = 0, starved = 0, slots = 0
        var minDepth = Int.max, maxDepth = 0

        func measurement(queued: Int, agents: Int) -> Measurement {
            Measurement(queued: queued, agents: agents, slots: slots, decisions: Distribution(samples),
                        placing: placingSamples.isEmpty ? nil : Distribution(placingSamples), placements: placements,
                        idleDecisions: idle, starvedDecisions: starved, freeSlots: Distribution(freeSlots), minQueueDepth: minDepth, maxQueueDepth: maxDepth, submit: Distribution(submits))
        }
    }

    /// The label sets of agents and jobs; index `i % 5` picks one (linux twice).
    private static let agentLabels: [[String]] = [["linux", "gpu"], ["linux"], ["macos"], ["linux"], ["windows"]]
    private static let jobLabels: [[String]] = [["linux", "gpu"], ["linux"], ["macos"], ["linux"], ["windows"]]

    /// One core: `agents` agents, a run that leaves `queued + decisions` jobs queued after the fleet
    /// is full, then `decisions` timed job completions.
    private func instance(queued: Int, agents: Int, decisions: Int, rng: inout BenchRandom,
                          into result: inout Accumulator) throws(BenchError) {
        var core = CoordinatorCore(runIDPrefix: "schedule")
        var now: UInt64 = 1
        var slots = 0
        for agent in 1...agents {
            let capacity = agent % 3 == 0 ? 2 : 1
            slots += capacity
            _ = core.agentRegistered(ConnectionID(agent), hello: Hello(
                minVersion: ProtocolVersion.supported.lowerBound, maxVersion: ProtocolVersion.supported.upperBound,
                role: .agent, name: "agent-\(agent)", labels: options.uniformLabels ? ["linux"] : Self.agentLabels[agent % 5], capacity: UInt32(capacity)), now: now)
        }
        result.slots = slots
        let jobCount = queued + decisions + slots
        let plan = Plan(jobs: (0..<jobCount).map { index in
            PlannedJob(id: "j\(index)", jobKey: "j\(index)", displayName: "j\(index)",
                       runsOn: options.uniformLabels ? ["linux"] : Self.jobLabels[Int(rng.next() % 5)], steps: [PlannedStep(name: "run", run: "true")])
        })
        let submit = SubmitRun(pipelineFileName: "schedule.yml", pipelineText: "", bundleSHA256: "", bundleSize: 0,
                               sourceRevision: "schedule")
        let submitStart = BenchRandom.nanoseconds()
        let (runID, actions) = core.runSubmitted(by: nil, submit: submit, plan: plan, bundleAvailable: true, now: now)
        result.submits.append(Double(BenchRandom.nanoseconds() - submitStart) / 1_000_000)

        var running: [(agent: ConnectionID, job: JobRef)] = []
        func started(_ actions: [CoordinatorAction]) -> Int {
            var placed = 0
            for case .send(let agent, .assignJob(let assignment)) in actions {
                running.append((agent, assignment.job))
                now += 1
                _ = core.received(.jobStarted(JobStarted(job: assignment.job)), from: agent, now: now)
                placed += 1
            }
            return placed
        }
        _ = started(actions)
        for _ in 0..<decisions {
            guard !running.isEmpty else { throw .runFailed("no job is running after \(result.samples.count) decisions") }
            let depth = core.runs[runID]?.queued.count ?? 0
            result.minDepth = min(result.minDepth, depth)
            result.maxDepth = max(result.maxDepth, depth)
            result.freeSlots.append(Double(core.agents.values.reduce(0) { $0 + $1.freeSlots }))
            let pick = Int(rng.next() % UInt64(running.count))
            running.swapAt(pick, running.count - 1)
            let (agent, job) = running.removeLast()
            now += 1
            let message = Message.jobFinished(JobFinished(job: job, outcome: .success, exitCode: 0, durationMillis: 1))
            let start = BenchRandom.nanoseconds()
            let decided = core.received(message, from: agent, now: now)
            let elapsed = BenchRandom.nanoseconds() - start
            result.samples.append(Double(elapsed) / 1_000)
            let placed = started(decided)
            result.placements += placed
            if placed > 0 { result.placingSamples.append(Double(elapsed) / 1_000) }
            if placed == 0 && depth > 0 {
                result.idle += 1
                if Self.queuedJobFitsFreeAgent(core, runID) { result.starved += 1 }
            }
        }
    }

    /// Whether some queued job's labels are all carried by an agent with a free slot (untimed).
    private static func queuedJobFitsFreeAgent(_ core: CoordinatorCore, _ runID: String) -> Bool {
        guard let run = core.runs[runID] else { return false }
        let free = Set(core.agents.values.filter { $0.freeSlots > 0 }.map(\.labels))
        return run.queued.contains { job in free.contains { run.labelSets[job].isSubset(of: $0) } }
    }

    // MARK: Report

    /// One JSON object, keys in a fixed order, microseconds with three decimals.
    static func json(options: Options, large: Measurement, reference: Measurement) -> String {
        func fixed(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "null" }
        func object(_ fields: [(String, String)]) -> String {
            "{" + fields.map { "\(JSONWriter.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        }
        func configuration(_ m: Measurement) -> String {
            object([
                ("queued", "\(m.queued)"), ("agents", "\(m.agents)"), ("slots", "\(m.slots)"),
                ("decisions", "\(m.decisions.count)"),
                ("decision_us", object([("p50", fixed(m.decisions.p50)), ("p99", fixed(m.decisions.p99)),
                                        ("max", fixed(m.decisions.max))])),
                ("placing_decision_us", m.placing.map {
                    object([("count", "\($0.count)"), ("p50", fixed($0.p50)), ("p99", fixed($0.p99)), ("max", fixed($0.max))])
                } ?? "null"),
                ("placements_per_decision", fixed(Double(m.placements) / Double(m.decisions.count))),
                ("idle_decisions", "\(m.idleDecisions)"),
                ("starved_decisions", "\(m.starvedDecisions)"),
                ("free_slots", object([("p50", fixed(m.freeSlots.p50)), ("p99", fixed(m.freeSlots.p99)),
                                       ("max", fixed(m.freeSlots.max))])),
                ("queue_depth", object([("min", "\(m.minQueueDepth)"), ("max", "\(m.maxQueueDepth)")])),
                ("submit_and_fill_ms_p50", fixed(m.submit.p50)),
            ])
        }
        return object([
            ("benchmark", JSONWriter.quote("schedule")),
            ("build", JSONWriter.quote(BenchReport.buildConfiguration)),
            ("seed", "\(options.seed)"),
            ("labels", JSONWriter.quote(options.uniformLabels ? "uniform" : "mixed")),
            ("large", configuration(large)),
            ("reference", configuration(reference)),
            ("ratio_p50", fixed(large.decisions.p50 / reference.decisions.p50)),
            ("ratio_p99", fixed(large.decisions.p99 / reference.decisions.p99)),
            ("machine", BenchReport.machine()),
        ])
    }

    /// `flotilla-bench schedule …`: parses, measures, prints (and writes) the report.
    static func main(_ arguments: [String]) -> Int32 {
        FlotillaBenchMain.command(arguments, usage: usage, parse: parse) { options in
            do {
                let (large, reference) = try ScheduleBenchmark(options: options).run()
                return FlotillaBenchMain.emit(json(options: options, large: large, reference: reference), to: options.jsonPath)
            } catch {
                printError("flotilla-bench: \(error)")
                return 1
            }
        }
    }
}

/// SplitMix64 for the label mix and completion order (TestSupport is not a dependency here),
/// and the nanosecond clock decisions are timed with.
struct BenchRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `CLOCK_MONOTONIC` in nanoseconds: a decision takes microseconds, below `BenchClock`'s resolution.
    static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
