import Foundation
import Synchronization
import Testing
import FlotillaCore
import TestSupport
import WireProtocol
@testable import FlotillaAgent

/// Collects everything a sink closure receives, from any thread.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// True while `pid` is a live (not zombie) process.
func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// Polls `condition` every 10 ms for at most `seconds`; returns whether it became true.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Process ids a test script wrote, one per line.
func pids(in file: String) -> [Int32] {
    ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
}

let testJob = JobRef(runID: "run-1", jobID: "build", attempt: 1)

func assignment(_ steps: [StepSpec], env: [EnvVar] = [], timeoutMillis: UInt64 = 0, bundleSHA256: String = "") -> JobAssignment {
    JobAssignment(job: testJob, name: "build", bundleSHA256: bundleSHA256, bundleSize: 0, env: env, steps: steps,
                  timeoutMillis: timeoutMillis)
}

/// A finished job run: what `run()` returned and every event, checked for causal order.
struct JobRun {
    var finished: JobFinished
    var events: [JobRunnerEvent]

    var stepResults: [StepFinished] {
        events.compactMap { if case .stepFinished(let step) = $0 { return step } else { return nil } }
    }

    var outcomes: [ExecutionOutcome] { stepResults.map(\.outcome) }

    var chunks: [LogChunk] {
        events.compactMap { if case .log(let chunk) = $0 { return chunk } else { return nil } }
    }

    func log(_ stream: LogStream, step: UInt32? = nil) -> String {
        let bytes = chunks.filter { $0.stream == stream && (step == nil || $0.stepIndex == step) }.flatMap(\.data)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Fast kill timings for tests.
func testConfiguration(_ work: TemporaryDirectory, keepWorkspaces: Bool = false,
                       log: LogStreamer.Configuration = LogStreamer.Configuration()) -> JobRunnerConfiguration {
    JobRunnerConfiguration(workRoot: work.path + "/work", keepWorkspaces: keepWorkspaces,
                           process: ProcessRunner.Configuration(killGracePeriod: .milliseconds(200),
                                                                outputDrainTimeout: .milliseconds(500)),
                           log: log)
}

func makeRunner(_ job: JobAssignment, work: TemporaryDirectory, cache: BundleCache? = nil,
                configuration: JobRunnerConfiguration? = nil, recorder: Recorder<JobRunnerEvent>,
                evaluator: StepConditionEvaluator? = nil) -> JobRunner {
    JobRunner(assignment: job, bundleCache: cache, configuration: configuration ?? testConfiguration(work),
              logger: Logger(label: "test", level: .debug, sink: RecordingLogSink()),
              conditionEvaluator: evaluator, events: { recorder.append($0) })
}

/// Runs a job to the end and checks the event stream's invariants.
func runJob(_ job: JobAssignment, work: TemporaryDirectory, cache: BundleCache? = nil,
            configuration: JobRunnerConfiguration? = nil, evaluator: StepConditionEvaluator? = nil,
            sourceLocation: SourceLocation = #_sourceLocation) async -> JobRun {
    let recorder = Recorder<JobRunnerEvent>()
    let runner = makeRunner(job, work: work, cache: cache, configuration: configuration, recorder: recorder, evaluator: evaluator)
    let finished = await runner.run()
    let run = JobRun(finished: finished, events: recorder.all)
    checkCausalOrder(run, stepCount: job.steps.count, sourceLocation: sourceLocation)
    return run
}

/// jobStarted first; jobFinished last and once; per step, logs between its start (or the
/// previous step's end, for system lines of skipped steps) and its stepFinished; contiguous
/// log sequence numbers from 0; every step finished exactly once, in order.
func checkCausalOrder(_ run: JobRun, stepCount: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    let events = run.events
    #expect(events.first == .jobStarted(JobStarted(job: testJob)), sourceLocation: sourceLocation)
    #expect(events.last == .jobFinished(run.finished), sourceLocation: sourceLocation)
    #expect(events.filter { if case .jobFinished = $0 { true } else { false } }.count == 1, sourceLocation: sourceLocation)
    #expect(run.chunks.map(\.sequence) == Array(0..<UInt64(run.chunks.count)), sourceLocation: sourceLocation)
    #expect(run.stepResults.map(\.stepIndex) == Array(0..<UInt32(stepCount)), sourceLocation: sourceLocation)
    var finishedSteps = Set<UInt32>()
    var startedSteps = Set<UInt32>()
    for event in events {
        switch event {
        case .stepStarted(let started):
            #expect(!startedSteps.contains(started.stepIndex) && !finishedSteps.contains(started.stepIndex), sourceLocation: sourceLocation)
            startedSteps.insert(started.stepIndex)
        case .log(let chunk):
            #expect(!finishedSteps.contains(chunk.stepIndex), "log after its step finished", sourceLocation: sourceLocation)
            #expect(chunk.data.count <= LogChunk.maxDataBytes && !chunk.data.isEmpty, sourceLocation: sourceLocation)
            #expect(chunk.job == testJob, sourceLocation: sourceLocation)
        case .stepFinished(let step):
            #expect(startedSteps.contains(step.stepIndex) == (step.outcome != .skipped), sourceLocation: sourceLocation)
            finishedSteps.insert(step.stepIndex)
        case .jobStarted, .jobFinished, .metricSamples:
            break
        }
    }
}
