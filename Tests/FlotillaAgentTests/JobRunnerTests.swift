import Foundation
import Testing
import FlotillaCore
import TestSupport
import WireProtocol
@testable import FlotillaAgent

@Suite("Job runner: steps, conditions, environment")
struct JobRunnerTests {
    @Test func stepsRunInOrderAndTheJobSucceeds() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "greet", run: "echo hello"),
            StepSpec(name: "complain", run: "echo oops >&2", shell: .sh),
        ]), work: work)
        #expect(run.finished.outcome == .success && run.finished.exitCode == 0)
        #expect(run.outcomes == [.success, .success])
        #expect(run.stepResults.map(\.exitCode) == [0, 0])
        #expect(run.log(.stdout, step: 0) == "hello\n")
        #expect(run.log(.stderr, step: 1) == "oops\n")
        #expect(run.log(.system, step: 0) == "step 1/2: greet\n")
        #expect(run.log(.system, step: 1) == "step 2/2: complain\n")
        let kinds = run.events.map { event -> String in
            switch event {
            case .jobStarted: "job+"
            case .stepStarted(let step): "step+\(step.stepIndex)"
            case .log: "log"
            case .stepFinished(let step): "step-\(step.stepIndex)"
            case .metricSamples: "metrics"
            case .jobFinished: "job-"
            }
        }
        #expect(kinds.filter { $0 != "log" } == ["job+", "step+0", "step-0", "step+1", "step-1", "job-"])
        #expect(!FileManager.default.fileExists(atPath: work.path + "/work/run-1/build-1"), "workspace removed")
    }

    @Test func exitCodePropagatesAndLaterStepsFollowTheirConditions() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "fails", run: "echo before; exit 3; echo after"),
            StepSpec(name: "skipped", run: "echo should-not-run"),
            StepSpec(name: "cleanup", condition: "always()", run: "echo cleanup"),
            StepSpec(name: "report", condition: "failure()", run: "echo report"),
            StepSpec(name: "on-cancel", condition: "cancelled()", run: "echo cancelled"),
        ]), work: work)
        #expect(run.finished.outcome == .failure)
        #expect(run.finished.exitCode == 3)
        #expect(run.outcomes == [.failure, .skipped, .success, .success, .skipped])
        #expect(run.stepResults.map(\.exitCode) == [3, -1, 0, 0, -1])
        #expect(run.log(.stdout) == "before\ncleanup\nreport\n")
        #expect(run.log(.system, step: 0).contains("step 1/5 failed: exit code 3"))
        #expect(run.log(.system, step: 1) == "step 2/5 skipped: skipped: condition `success()` is false\n")
    }

    @Test func pipefailAndErrexitApplyToBashAndErrexitToSh() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "pipe", run: "false | true\necho unreachable", continueOnError: true),
            StepSpec(name: "sh", run: "false\necho unreachable", shell: .sh, continueOnError: true),
        ]), work: work)
        #expect(run.outcomes == [.failure, .failure])
        #expect(run.stepResults.map(\.exitCode) == [1, 1])
        #expect(run.log(.stdout).isEmpty)
    }

    @Test func continueOnErrorKeepsTheJobGreenAndRecordsTheOutcome() async throws {
        let work = try TemporaryDirectory()
        let seen = Recorder<StepConditionState>()
        let run = await runJob(assignment([
            StepSpec(id: "lint", name: "lint", run: "exit 2", continueOnError: true),
            StepSpec(id: "build", name: "build", run: "echo built"),
            StepSpec(name: "last", condition: "steps.lint.outcome == 'failure'", run: "echo last"),
        ]), work: work, evaluator: { condition, state in
            seen.append(state)
            return JobRunner.defaultConditionEvaluator(condition, state)
        })
        #expect(run.finished.outcome == .success && run.finished.exitCode == 0)
        #expect(run.outcomes == [.failure, .success, .success])
        #expect(run.log(.stdout) == "built\nlast\n")
        #expect(seen.all.last == StepConditionState(jobFailed: false, cancelled: false,
                                                    stepOutcomes: ["lint": .failure, "build": .success]))
        #expect(run.log(.system, step: 0).contains("(continue-on-error)"))
    }

    @Test func injectedEvaluatorDecidesWhichStepsRun() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "a", condition: "matrix.os == 'linux'", run: "echo a"),
            StepSpec(name: "b", condition: "false", run: "echo b"),
        ]), work: work, evaluator: { condition, _ in condition != "false" })
        #expect(run.outcomes == [.success, .skipped])
        #expect(run.log(.stdout) == "a\n")
    }

    @Test func environmentLayersAndFlotillaVariables() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "env", run: "env | sort > \"$RUNNER_TEMP/../../env.txt\"; cp \"$RUNNER_TEMP/../../env.txt\" \(work.path)/env.txt",
                     env: [EnvVar(name: "LAYER", value: "step"), EnvVar(name: "STEP_ONLY", value: "yes")]),
        ], env: [EnvVar(name: "LAYER", value: "job"), EnvVar(name: "JOB_ONLY", value: "1"), EnvVar(name: "CI", value: "no")]),
                               work: work)
        #expect(run.finished.outcome == .success)
        let lines = Set((work.read("env.txt") ?? "").split(separator: "\n").map(String.init))
        let source = work.path + "/work/run-1/build-1/src"
        for expected in ["LAYER=step", "STEP_ONLY=yes", "JOB_ONLY=1", "CI=true", "FLOTILLA_RUN_ID=run-1", "FLOTILLA_JOB_ID=build",
                         "FLOTILLA_JOB_ATTEMPT=1", "FLOTILLA_STEP_INDEX=0", "FLOTILLA_WORKSPACE=\(source)", "GITHUB_WORKSPACE=\(source)",
                         "RUNNER_TEMP=\(work.path)/work/run-1/build-1/tmp"] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        #expect(!lines.contains { $0.hasPrefix("USER=") || $0.hasPrefix("TERM=") } || ProcessInfo.processInfo.environment["USER"] == nil,
                "the agent's own environment does not leak")
    }

    @Test func workingDirectoryIsRelativeToTheSourcesAndCannotEscape() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "mk", run: "mkdir -p pkg/sub && ln -s / pkg/root"),
            StepSpec(name: "in", run: "pwd", workingDirectory: "pkg/./sub/"),
            StepSpec(name: "up", run: "pwd", workingDirectory: "../..", continueOnError: true),
            StepSpec(name: "abs", run: "pwd", workingDirectory: "/tmp", continueOnError: true),
            StepSpec(name: "link", run: "pwd", workingDirectory: "pkg/root", continueOnError: true),
            StepSpec(name: "missing", run: "pwd", workingDirectory: "nope", continueOnError: true),
        ]), work: work)
        #expect(run.outcomes == [.success, .success, .failure, .failure, .failure, .failure])
        #expect(run.stepResults.dropFirst(2).allSatisfy { $0.exitCode == -1 })
        #expect(run.log(.stdout, step: 1) == work.path + "/work/run-1/build-1/src/pkg/sub\n")
        #expect(run.log(.system, step: 2).contains("working directory '../..' leaves the workspace"))
        #expect(run.log(.system, step: 3).contains("must be relative"))
        #expect(run.log(.system, step: 4).contains("outside the workspace through a symlink"))
        #expect(run.log(.system, step: 5).contains("does not exist"))
    }

    @Test func bundleIsExtractedIntoTheSourceDirectory() async throws {
        let work = try TemporaryDirectory()
        let source = try TemporaryDirectory()
        try source.write("from the bundle\n", to: "hello.txt")
        try source.write("nested\n", to: "dir/nested.txt")
        let cache = try BundleCache(directory: work.path + "/cache")
        let info = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: work.path + "/bundle")
        #expect(rename(work.path + "/bundle", try cache.path(for: info.sha256)) == 0)
        let run = await runJob(assignment([StepSpec(name: "cat", run: "cat hello.txt dir/nested.txt")], bundleSHA256: info.sha256),
                               work: work, cache: cache)
        #expect(run.finished.outcome == .success)
        #expect(run.log(.stdout) == "from the bundle\nnested\n")
    }

    @Test func missingBundleFailsTheJobAndSkipsEverything() async throws {
        let work = try TemporaryDirectory()
        let cache = try? BundleCache(directory: work.path + "/cache")
        let run = await runJob(assignment([StepSpec(name: "a", run: "echo a"), StepSpec(name: "b", condition: "always()", run: "echo b")],
                                          bundleSHA256: String(repeating: "e", count: 64)), work: work, cache: cache)
        #expect(run.finished.outcome == .failure && run.finished.exitCode == -1)
        #expect(run.outcomes == [.skipped, .skipped])
        #expect(run.log(.system, step: 0).hasPrefix("cannot prepare the workspace"))
    }

    @Test func staleWorkspaceIsReplacedAndKeptWhenConfigured() async throws {
        let work = try TemporaryDirectory()
        try work.write("old", to: "work/run-1/build-1/src/stale.txt")
        let run = await runJob(assignment([StepSpec(name: "ls", run: "ls -A; touch made.txt")]), work: work,
                               configuration: testConfiguration(work, keepWorkspaces: true))
        #expect(run.log(.stdout) == "")
        #expect(FileManager.default.fileExists(atPath: work.path + "/work/run-1/build-1/src/made.txt"))
        #expect(FileManager.default.fileExists(atPath: work.path + "/work/run-1/build-1/tmp/step-1.sh"))
    }

    @Test func largeOutputIsChunkedWithinLimitsAndCapped() async throws {
        let work = try TemporaryDirectory()
        let big = await runJob(assignment([StepSpec(name: "big", run: "head -c 3000000 /dev/zero | tr '\\0' x")]), work: work)
        #expect(big.finished.outcome == .success)
        #expect(big.log(.stdout).utf8.count == 3_000_000)
        #expect(big.chunks.count >= 3_000_000 / LogChunk.maxDataBytes)

        let capped = await runJob(assignment([StepSpec(name: "big", run: "head -c 300000 /dev/zero | tr '\\0' x")]), work: work,
                                  configuration: testConfiguration(work, log: LogStreamer.Configuration(maxJobBytes: 100_000)))
        #expect(capped.finished.outcome == .success)
        #expect(capped.chunks.flatMap(\.data).count < 101_000)
        #expect(capped.log(.system).contains("log truncated"))
    }
}
