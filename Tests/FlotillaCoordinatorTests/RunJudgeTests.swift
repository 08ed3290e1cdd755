import FlotillaCore
import FlotillaTLS
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaCoordinator

/// RunJudge: which attempt's result files the gates read, flaky jobs and tests, benchmark evidence.
@Suite("Run judge")
struct RunJudgeTests {
    private let directory: TemporaryDirectory
    private let store: ArtifactStore
    private let run: RunRecord

    init() throws {
        directory = try TemporaryDirectory(prefix: "flotilla-judge")
        store = try ArtifactStore(directory: directory.file("artifacts"))
        let plan = Plan(jobs: [Fixture.job("test"), Fixture.job("bench")],
                        gates: [GateSpec(name: "unit", rule: .tests(maxFailures: 0)),
                                GateSpec(name: "speed", rule: .performance(maxRegressionPercent: 20, minEffectPercent: 5))])
        var run = RunRecord(id: "t-1", client: nil, submit: Fixture.submit(), plan: plan, bundleAvailable: true, now: 0)
        run.jobs[0].retryReasons = [.failure]
        self.run = run
    }

    /// Stores `xml` as a JUnit artifact of job `test`.
    private func junit(_ name: String, _ xml: String) throws -> ArtifactSummary {
        let bytes = Array(xml.utf8)
        let sha = SHA256Hasher.hash(bytes)
        let incoming = try store.beginUpload(expectedSize: UInt64(bytes.count))
        try incoming.write(bytes, at: 0)
        try store.commit(incoming, claimedSHA256: sha)
        return ArtifactSummary(name: name, jobID: "test", relativePath: "out/junit.xml", kind: .junit, size: UInt64(bytes.count), sha256: sha)
    }

    private static let firstAttempt = """
        <testsuite name="Suite"><testcase classname="Suite" name="a"/>
        <testcase classname="Suite" name="b"><failure message="timing">boom</failure></testcase></testsuite>
        """
    private static let secondAttempt = """
        <testsuite name="Suite"><testcase classname="Suite" name="a"/><testcase classname="Suite" name="b"/></testsuite>
        """

    private var finished: RunFinished {
        RunFinished(runID: "t-1", outcome: .succeeded, jobs: [
            JobSummary(jobID: "test", name: "TEST", agentName: "a2", state: .succeeded, durationMillis: 1500, exitCode: 0, attempts: 2),
            JobSummary(jobID: "bench", name: "BENCH", agentName: "a1", state: .succeeded, durationMillis: 900, exitCode: 0, attempts: 1),
        ])
    }

    private func evidence() -> PerformanceEvidence {
        var s = SeededGenerator(seed: 1)
        func samples(_ level: Double) -> [Double] { (0..<10).map { _ in level * (1 + 0.02 * s.gaussian()) } }
        let history = (0..<10).map { _ in samples(100) }
        return PerformanceEvidence(job: "bench", jobName: "BENCH", metric: "parse_time", unit: "ms", lowerIsBetter: true,
                                   machineClass: "c1", history: history, historyRevisions: history.indices.map { "r\($0)" },
                                   current: samples(140), currentRevision: "", confirmation: samples(140), confirmationAgent: "a3")
    }

    @Test func theFinalAttemptDecidesAndEarlierFailuresAreFlaky() throws {
        let artifacts = [try junit("junit.xml", Self.firstAttempt), try junit("junit-2.xml", Self.secondAttempt)]
        let (verdict, results) = RunJudge(store: store).judge(run, finished: finished, artifacts: artifacts,
                                                              artifactAttempts: ["junit.xml": 1, "junit-2.xml": 2],
                                                              performance: [evidence()])
        #expect(results.map(\.name) == ["junit-2.xml"])
        #expect(verdict.gates[0].status == .pass, "\(verdict.gates[0])")
        #expect(verdict.flakyTests == [FlakyTest(job: "test", test: "Suite.b", failedAttempts: [1], passedAttempt: 2)])
        #expect(verdict.jobs.map(\.flaky) == [true, false])
        #expect(verdict.jobs[0].retried == ["failure"])
        // Both attempts' files stay listed as artifacts.
        #expect(verdict.artifacts.map(\.name) == ["junit.xml", "junit-2.xml"])
        // The benchmark evidence reaches the performance gate; without a revision the run is named.
        #expect(verdict.gates[1].status == .fail)
        #expect(verdict.gates[1].detail.contains("parse_time (ms) on class c1, job BENCH: +"))
        #expect(verdict.gates[1].detail.contains("confirmed by a re-run on a3: above max-regression 20%; suspected run t-1 (previous run: r9)"),
                "\(verdict.gates[1].detail)")
        #expect(verdict.verdict == .fail)
    }

    @Test func withoutAttemptNumbersEveryFileCountsAsBefore() throws {
        let artifacts = [try junit("junit.xml", Self.firstAttempt), try junit("junit-2.xml", Self.secondAttempt)]
        let (verdict, results) = RunJudge(store: store).judge(run, finished: finished, artifacts: artifacts)
        #expect(results.map(\.name) == ["junit.xml", "junit-2.xml"])
        #expect(verdict.gates[0].status == .fail)
        #expect(verdict.flakyTests.isEmpty)
        // The job's own retry history still marks it flaky.
        #expect(verdict.jobs[0].flaky)
        // No evidence for a declared performance gate: it cannot be judged.
        #expect(verdict.gates[1].status == .error && verdict.gates[1].detail == "no benchmark samples were collected")
    }
}
