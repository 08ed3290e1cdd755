import Foundation
import FlotillaCore
import Synchronization
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaAgent

/// What the runner handed its uploader, and what the job looked like at that moment.
private final class UploaderProbe: Sendable {
    struct Call: Sendable {
        var job: JobRef
        var collection: ArtifactCollection
        /// Events the runner had emitted when the upload started.
        var eventsBefore: [JobRunnerEvent]
        /// Whether each collected file was still readable during the upload.
        var filesReadable: [Bool]
    }
    private let calls = Mutex<[Call]>([])
    let recorder: Recorder<JobRunnerEvent>

    init(recorder: Recorder<JobRunnerEvent>) { self.recorder = recorder }

    var all: [Call] { calls.withLock { $0 } }

    var handler: ArtifactUploadHandler {
        { [self] job, collection in
            let readable = collection.artifacts.map { FileManager.default.isReadableFile(atPath: $0.path) }
            calls.withLock { $0.append(Call(job: job, collection: collection, eventsBefore: recorder.all, filesReadable: readable)) }
            // An upload takes time; the job must wait for it.
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

@Suite("Job runner artifacts")
struct ArtifactJobRunnerTests {
    private func run(_ job: JobAssignment, work: TemporaryDirectory) async -> (JobRun, [UploaderProbe.Call]) {
        let recorder = Recorder<JobRunnerEvent>()
        let probe = UploaderProbe(recorder: recorder)
        let runner = JobRunner(assignment: job, bundleCache: nil, configuration: testConfiguration(work),
                               logger: Logger(label: "test", level: .debug, sink: RecordingLogSink()),
                               artifactUploader: probe.handler, events: { recorder.append($0) })
        let finished = await runner.run()
        let run = JobRun(finished: finished, events: recorder.all)
        checkCausalOrder(run, stepCount: job.steps.count)
        return (run, probe.all)
    }

    @Test("after the steps, the collected files are uploaded before jobFinished, while the workspace exists")
    func uploadsBeforeFinishing() async throws {
        let work = try TemporaryDirectory(prefix: "flotilla-runner-artifacts")
        var job = assignment([StepSpec(name: "make", run: "mkdir -p out && printf 'hello' > out/a.txt && printf '<t/>' > out/b.xml")])
        job.artifacts = [ArtifactRequest(path: "out/*.txt"), ArtifactRequest(path: "out/b.xml", name: "results", kind: .junit),
                         ArtifactRequest(path: "../escape")]
        let (run, calls) = await run(job, work: work)
        #expect(run.finished.outcome == .success)
        #expect(calls.count == 1)
        guard let call = calls.first else { return }
        #expect(call.job == testJob)
        #expect(call.collection.artifacts.map(\.name) == ["a.txt", "results"])
        #expect(call.collection.artifacts.map(\.kind) == [.file, .junit])
        #expect(call.collection.refusals.map(\.path) == ["../escape"])
        #expect(call.filesReadable == [true, true])
        #expect(!call.eventsBefore.contains { if case .jobFinished = $0 { true } else { false } })
    }

    @Test("a failed job still uploads; its outcome is unchanged")
    func failedJobUploads() async throws {
        let work = try TemporaryDirectory(prefix: "flotilla-runner-artifacts")
        var job = assignment([StepSpec(name: "fail", run: "echo report > report.log; exit 3")])
        job.artifacts = [ArtifactRequest(path: "report.log")]
        let (run, calls) = await run(job, work: work)
        #expect(run.finished.outcome == .failure)
        #expect(run.finished.exitCode == 3)
        #expect(calls.first?.collection.artifacts.map(\.relativePath) == ["report.log"])
    }

    @Test("a cancelled job collects nothing")
    func cancelledJobSkipsUpload() async throws {
        let work = try TemporaryDirectory(prefix: "flotilla-runner-artifacts")
        var job = assignment([StepSpec(name: "sleep", run: "echo x > x.txt; sleep 30")])
        job.artifacts = [ArtifactRequest(path: "x.txt")]
        let recorder = Recorder<JobRunnerEvent>()
        let probe = UploaderProbe(recorder: recorder)
        let runner = JobRunner(assignment: job, bundleCache: nil, configuration: testConfiguration(work),
                               logger: Logger(label: "test", level: .debug, sink: RecordingLogSink()),
                               artifactUploader: probe.handler, events: { recorder.append($0) })
        async let finished = runner.run()
        #expect(await eventually { recorder.all.contains { if case .stepStarted = $0 { true } else { false } } })
        runner.cancel(reason: "test")
        #expect(await finished.outcome == .cancelled)
        #expect(probe.all.isEmpty)
    }

    @Test("a job without artifacts never calls the uploader")
    func noArtifactsNoCall() async throws {
        let work = try TemporaryDirectory(prefix: "flotilla-runner-artifacts")
        let (run, calls) = await run(assignment([StepSpec(name: "ok", run: "true")]), work: work)
        #expect(run.finished.outcome == .success)
        #expect(calls.isEmpty)
    }
}
