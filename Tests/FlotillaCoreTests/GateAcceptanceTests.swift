import Testing
import FlotillaCore

/// The verdict rule, and issue 4's acceptance scenario end to end through the pure layers:
/// pipeline file → plan (artifacts, gates) → result files parsed → gates → verdict.
@Suite("Gates: verdict and acceptance")
struct GateAcceptanceTests {
    typealias F = GateFixture

    static func gate(_ status: GateStatus, blocking: Bool = true) -> GateResult {
        GateResult(name: "g", kind: .tests, status: status, blocking: blocking, critical: true, value: "", threshold: "", detail: "")
    }

    /// (gates, jobs, verdict)
    static let rules: [([GateResult], [GateInputs.Job], VerdictStatus)] = [
        ([], [F.job("a"), F.job("b", .skipped)], .pass),
        ([gate(.pass), gate(.warn, blocking: false), gate(.skipped)], [F.job("a")], .pass),
        ([gate(.error, blocking: false)], [F.job("a")], .pass),
        ([gate(.fail)], [F.job("a")], .fail),
        ([gate(.error)], [F.job("a")], .error),
        ([gate(.error), gate(.fail)], [F.job("a")], .fail),
        ([gate(.error)], [F.job("a", .failure)], .fail),
        ([], [F.job("a", .failure)], .fail),
        ([], [F.job("a", .timedOut)], .fail),
        ([], [F.job("a", .agentLost)], .fail),
        ([], [F.job("a", .cancelled)], .fail),
        ([], [F.job("a", .failure, continueOnError: true), F.job("b", .timedOut, continueOnError: true)], .pass),
        ([], [F.job("a", .cancelled, continueOnError: true)], .fail),
        ([gate(.pass)], [], .error),
    ]

    @Test(arguments: GateAcceptanceTests.rules.indices)
    func verdictRule(_ index: Int) {
        let (gates, jobs, expected) = Self.rules[index]
        #expect(GateEvaluator.verdict(gates: gates, jobs: jobs) == expected)
    }

    static let pipeline = """
        name: acceptance
        jobs:
          test:
            runs-on: linux
            steps:
              - run: pytest --junitxml=reports/junit.xml --cov=app --cov-report=xml || true
            artifacts:
              - path: reports/junit.xml
                kind: junit
              - path: coverage.xml
                kind: coverage
          scan:
            runs-on: linux
            steps:
              - run: codeql database analyze db --format=sarif-latest --output=codeql.sarif
            artifacts:
              - path: codeql.sarif
                kind: sarif
        gates:
          - name: unit tests
            kind: tests
          - name: coverage
            kind: coverage
            min: 80
          - name: security
            kind: security

        """

    /// Fixture bytes standing in for what each artifact collected: one JUnit failure,
    /// 72% coverage, a SARIF file with a critical finding.
    static let collected = ["junit.xml": "junit-swift-xunit.xml", "coverage.xml": "cobertura-coveragepy.xml", "codeql.sarif": "sarif-codeql.sarif"]

    func judge(_ yaml: String, emergency: Bool) throws -> Verdict {
        let planned = try #require(plan(yaml))
        var results: [ResultFile] = []
        var artifacts: [VerdictArtifact] = []
        for job in planned.jobs {
            for spec in job.artifacts {
                let bytes = ResultFixtures.bytes(try #require(Self.collected[spec.name]))
                results.append(try #require(ResultFile.parse(bytes, job: job.id, name: spec.name, kind: spec.kind)))
                artifacts.append(VerdictArtifact(name: spec.name, job: job.id, size: UInt64(bytes.count), sha256: String(repeating: "0", count: 64)))
            }
        }
        let inputs = GateInputs(jobs: planned.jobs.map { GateInputs.Job(id: $0.id, jobKey: $0.jobKey, displayName: $0.displayName, status: .success) },
                                results: results)
        let jobs = planned.jobs.map { VerdictJob(id: $0.id, status: .success, agent: "agent-1", attempts: 1, durationSeconds: 12.5, exitCode: 0) }
        return GateEvaluator.judge(run: "run-7", gates: planned.gates, inputs: inputs, emergency: emergency, jobs: jobs, artifacts: artifacts)
    }

    @Test func blockingGatesFailTheVerdict() throws {
        let verdict = try judge(Self.pipeline, emergency: false)
        #expect(verdict.verdict == .fail)
        #expect(verdict.gates.map(\.status) == [.fail, .fail, .fail])
        #expect(verdict.gates.map(\.value) == ["1 failed of 3", "72.00%", "1 critical, 1 high"])
        #expect(verdict.gates.map(\.threshold) == ["max-failures 0", "min 80%", "max-critical 0, max-high 0"])
        #expect(verdict.gates[0].detail.contains("- FlotillaCoreTests.ParserTests.testNested: failed"))
        #expect(verdict.gates[2].detail.contains("- critical 9.8 js/hardcoded-credentials at src/config.js:7"))
        #expect(!verdict.emergency)
        #expect(verdict.artifacts.map(\.name) == ["junit.xml", "coverage.xml", "codeql.sarif"])
        // An emergency run still evaluates critical gates.
        #expect(try judge(Self.pipeline, emergency: true).gates.map(\.status) == [.fail, .fail, .fail])
    }

    @Test func advisoryGatesWarnAndThePipelinePasses() throws {
        let yaml = Self.pipeline.replacingAll("    kind: tests\n", with: "    kind: tests\n    blocking: false\n")
            .replacingAll("    min: 80\n", with: "    min: 80\n    blocking: false\n")
            .replacingAll("    kind: security\n", with: "    kind: security\n    blocking: false\n")
        let verdict = try judge(yaml, emergency: false)
        #expect(verdict.gates.map(\.status) == [.warn, .warn, .warn])
        #expect(verdict.gates.allSatisfy { !$0.blocking })
        #expect(verdict.verdict == .pass)
    }

    @Test func emergencySkipsNonCriticalGatesAndRecordsIt() throws {
        let yaml = Self.pipeline.replacingAll("    kind: tests\n", with: "    kind: tests\n    critical: false\n")
            .replacingAll("    min: 80\n", with: "    min: 80\n    critical: false\n")
            .replacingAll("    kind: security\n", with: "    kind: security\n    critical: false\n")
        let verdict = try judge(yaml, emergency: true)
        #expect(verdict.gates.map(\.status) == [.skipped, .skipped, .skipped])
        #expect(verdict.emergency)
        #expect(verdict.verdict == .pass)
        #expect(VerdictRenderer.json(verdict).hasPrefix("{\"run\": \"run-7\", \"verdict\": \"pass\", \"emergency\": true, \"gates\": [{\"name\": \"unit tests\", \"kind\": \"tests\", \"status\": \"skipped\", \"blocking\": true, \"critical\": false, "))
        // The same non-critical gates still fail a normal run.
        #expect(try judge(yaml, emergency: false).verdict == .fail)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
