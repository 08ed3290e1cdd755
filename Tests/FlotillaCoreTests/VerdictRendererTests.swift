import Testing
import FlotillaCore

/// Verdict JSON (exact format and round trip), Markdown and JUnit renderings.
@Suite("Verdict rendering")
struct VerdictRendererTests {
    static let small = Verdict(
        run: "r1", verdict: .fail, emergency: false,
        gates: [GateResult(name: "unit", kind: .tests, status: .fail, blocking: true, critical: true,
                           value: "1 failed of 2", threshold: "max-failures 0", detail: "1 of 2 tests failed:\n- a.b: \"boom\"")],
        jobs: [VerdictJob(id: "test", status: .failure, agent: "agent-1", attempts: 2, durationSeconds: 1.5, exitCode: 1),
               VerdictJob(id: "lint", status: .skipped, agent: "", attempts: 0, durationSeconds: 0, exitCode: nil)],
        artifacts: [VerdictArtifact(name: "junit.xml", job: "test", size: 1234, sha256: String(repeating: "ab", count: 32))])

    @Test func jsonIsExact() {
        let sha = String(repeating: "ab", count: 32)
        #expect(VerdictRenderer.json(Self.small) == #"{"run": "r1", "verdict": "fail", "emergency": false, "gates": [{"name": "unit", "kind": "tests", "status": "fail", "blocking": true, "critical": true, "value": "1 failed of 2", "threshold": "max-failures 0", "detail": "1 of 2 tests failed:\n- a.b: \"boom\""}], "jobs": [{"id": "test", "status": "failure", "agent": "agent-1", "attempts": 2, "duration_s": 1.5, "exit_code": 1, "retried": []}, {"id": "lint", "status": "skipped", "agent": "", "attempts": 0, "duration_s": 0, "exit_code": null, "retried": []}], "artifacts": [{"name": "junit.xml", "job": "test", "size": 1234, "sha256": "\#(sha)"}]}"#)
        #expect(VerdictRenderer.json(Verdict(run: "e", verdict: .error)) == #"{"run": "e", "verdict": "error", "emergency": false, "gates": [], "jobs": [], "artifacts": []}"#)
    }

    @Test func jsonRoundTrips() throws {
        let tricky = Verdict(
            run: "run \"7\" \\ ünïcode ✓", verdict: .pass, emergency: true,
            gates: GateStatus.allCases.enumerated().map { i, status in
                GateResult(name: "gate \(i)\t<&>", kind: GateKind.allCases[i % 4], status: status, blocking: i % 2 == 0, critical: i % 3 == 0,
                           value: "v\u{0}\u{1F}\u{7F}", threshold: "", detail: "line 1\r\nline 2\n\u{2028}end")
            },
            jobs: JobConclusion.allCases.enumerated().map { i, status in
                VerdictJob(id: "job-\(i)", status: status, agent: i == 0 ? "" : "agent-\(i)", attempts: i,
                           durationSeconds: [0.1 + 0.2, 1e-7, 86_400, 0, 12.345678901234567, 3.0e10][i], exitCode: [nil, 0, 1, -9, 255, nil][i])
            },
            artifacts: [VerdictArtifact(name: "big.tar", job: "job-1", size: 1 << 40, sha256: String(repeating: "f", count: 64)),
                        VerdictArtifact(name: "empty", job: "job-2", size: 0, sha256: "")])
        let json = VerdictRenderer.json(tricky)
        #expect(!json.contains("\n"))
        #expect(try Verdict.decode(json: json) == tricky)
        #expect(try Verdict.decode(json: VerdictRenderer.json(Self.small)) == Self.small)
    }

    static let badJSON: [(String, String)] = [
        ("", "invalid verdict JSON: unexpected end of JSON text at byte 0 of the JSON text"),
        ("[]", "invalid verdict JSON: the verdict: expected an object, found a list"),
        (#"{"verdict": "pass", "emergency": false, "gates": [], "jobs": [], "artifacts": []}"#, "invalid verdict JSON: run: missing"),
        (#"{"run": "r", "verdict": "maybe", "emergency": false, "gates": [], "jobs": [], "artifacts": []}"#,
         "invalid verdict JSON: verdict: expected one of pass, fail, error, found 'maybe'"),
        (#"{"run": "r", "verdict": "pass", "emergency": "no", "gates": [], "jobs": [], "artifacts": []}"#,
         "invalid verdict JSON: emergency: expected true or false, found string 'no'"),
        (#"{"run": "r", "verdict": "pass", "emergency": false, "gates": [{"name": "g"}], "jobs": [], "artifacts": []}"#,
         "invalid verdict JSON: gates[0].kind: missing"),
        (#"{"run": "r", "verdict": "pass", "emergency": false, "gates": [], "jobs": [{"id": "j", "status": "success", "agent": "", "attempts": 1.5, "duration_s": 1, "exit_code": null}], "artifacts": []}"#,
         "invalid verdict JSON: jobs[0].attempts: expected a whole number, found number 1.5"),
        (#"{"run": "r", "verdict": "pass", "emergency": false, "gates": [], "jobs": [], "artifacts": [{"name": "a", "job": "j", "size": -1, "sha256": ""}]}"#,
         "invalid verdict JSON: artifacts[0].size: expected a byte count of at least 0, found -1"),
        (#"{"run": "r", "verdict": "pass", "emergency": false, "gates": [], "jobs": [], "artifacts": {}}"#,
         "invalid verdict JSON: artifacts: expected a list, found an object"),
    ]

    @Test(arguments: VerdictRendererTests.badJSON.indices)
    func decodeRejectsBadJSON(_ index: Int) {
        let (json, message) = Self.badJSON[index]
        do {
            let verdict = try Verdict.decode(json: json)
            Issue.record("decoded \(verdict)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func decodeIgnoresUnknownMembers() throws {
        let json = #"{"run": "r", "verdict": "pass", "emergency": false, "gates": [], "jobs": [], "artifacts": [], "schema": 2}"#
        #expect(try Verdict.decode(json: json) == Verdict(run: "r", verdict: .pass))
    }

    @Test func markdownSummary() {
        let sha = String(repeating: "ab", count: 6)
        #expect(VerdictRenderer.markdown(Self.small) == """
            ## ❌ Flotilla verdict: fail

            Run `r1` · failed: gate unit, job test (failure)

            ### Gates

            | Gate | Kind | Status | Value | Threshold |
            | --- | --- | --- | --- | --- |
            | unit | tests | ❌ fail | 1 failed of 2 | max-failures 0 |

            ### Failing tests

            **unit**

            ```text
            1 of 2 tests failed:
            - a.b: "boom"
            ```

            ### Jobs

            | Job | Status | Agent | Attempts | Duration | Exit code |
            | --- | --- | --- | --- | --- | --- |
            | test | ❌ failure | agent-1 | 2 | 1.5s | 1 |
            | lint | ⏭️ skipped | – | 0 | 0ms | – |

            ### Artifacts

            | Artifact | Job | Size | SHA-256 |
            | --- | --- | --- | --- |
            | junit.xml | test | 1.2 KiB | `\(sha)…` |

            """)
    }

    @Test func markdownEscapesAndShowsEmergencyAndDetails() {
        let verdict = Verdict(
            run: "r2", verdict: .pass, emergency: true,
            gates: [GateResult(name: "cov | <b>", kind: .coverage, status: .warn, blocking: false, critical: true,
                               value: "72.00%", threshold: "min 80%", detail: "has ``` fences ````"),
                    GateResult(name: "sec", kind: .security, status: .skipped, blocking: true, critical: false,
                               value: "", threshold: "max-critical 0, max-high 0", detail: "skipped: emergency run, and this gate is not critical")],
            jobs: [VerdictJob(id: "build", status: .success, agent: "a1", attempts: 1, durationSeconds: 3725, exitCode: 0)])
        let md = VerdictRenderer.markdown(verdict)
        #expect(md.hasPrefix("## ✅ Flotilla verdict: pass\n\nRun `r2` · all blocking gates passed; 1 advisory gate warned\n\n> ⚠️ Emergency run: gates with `critical: false` were skipped.\n"))
        #expect(md.contains("| cov \\| &lt;b&gt; | coverage | ⚠️ warn (advisory) | 72.00% | min 80% |"))
        #expect(md.contains("| sec | security | ⏭️ skipped (non-critical) |  | max-critical 0, max-high 0 |"))
        #expect(md.contains("### Gate details\n\n**cov | &lt;b&gt;** (warn)\n\n`````text\nhas ``` fences ````\n`````"))
        #expect(md.contains("| build | ✅ success | a1 | 1 | 1h 02m | 0 |"))
        #expect(!md.contains("### Failing tests") && !md.contains("### Artifacts"))
        let error = VerdictRenderer.markdown(Verdict(run: "r3", verdict: .error, gates: [
            GateResult(name: "unit", kind: .tests, status: .error, blocking: true, critical: true, value: "", threshold: "max-failures 0",
                       detail: "no junit results were collected")]))
        #expect(error.hasPrefix("## ⚠️ Flotilla verdict: error\n\nRun `r3` · could not be judged: gate unit could not be evaluated\n"))
        #expect(error.contains("| unit | tests | ❗ error |  | max-failures 0 |"))
    }

    @Test func junitReportOfTheGates() throws {
        let verdict = Verdict(run: "r9", verdict: .fail, emergency: true, gates: [
            GateResult(name: "unit", kind: .tests, status: .fail, blocking: true, critical: true, value: "1 failed of 2", threshold: "max-failures 0",
                       detail: "1 of 2 tests failed:\n- a.b: x < y"),
            GateResult(name: "cov", kind: .coverage, status: .warn, blocking: false, critical: true, value: "72.00%", threshold: "min 80%",
                       detail: "72 of 100 lines covered"),
            GateResult(name: "sec", kind: .security, status: .skipped, blocking: true, critical: false, value: "", threshold: "max-critical 0, max-high 0",
                       detail: "skipped: emergency run, and this gate is not critical"),
            GateResult(name: "jobs", kind: .jobs, status: .pass, blocking: true, critical: true, value: "2 of 2 succeeded", threshold: "all jobs succeed",
                       detail: "all 2 jobs succeeded"),
            GateResult(name: "lcov", kind: .coverage, status: .error, blocking: true, critical: true, value: "", threshold: "min 50%",
                       detail: "a coverage result could not be read:\n- lcov.info from job t: lcov: 1:1: bad \u{1}"),
        ])
        let xml = VerdictRenderer.junit(verdict)
        #expect(xml == """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite name="flotilla gates (run r9)" tests="5" failures="1" errors="1" skipped="1" time="0">
              <properties>
                <property name="verdict" value="fail"/>
                <property name="emergency" value="true"/>
              </properties>
              <testcase classname="flotilla.gates.tests" name="unit" time="0">
                <failure message="1 failed of 2 (max-failures 0)" type="tests">1 of 2 tests failed:
            - a.b: x &lt; y</failure>
              </testcase>
              <testcase classname="flotilla.gates.coverage" name="cov" time="0">
                <system-out>advisory gate did not pass: 72.00% (min 80%)
            72 of 100 lines covered</system-out>
              </testcase>
              <testcase classname="flotilla.gates.security" name="sec" time="0">
                <skipped message="skipped: emergency run, and this gate is not critical"/>
              </testcase>
              <testcase classname="flotilla.gates.jobs" name="jobs" time="0"/>
              <testcase classname="flotilla.gates.coverage" name="lcov" time="0">
                <error message="a coverage result could not be read:" type="coverage">a coverage result could not be read:
            - lcov.info from job t: lcov: 1:1: bad \u{FFFD}</error>
              </testcase>
            </testsuite>

            """)
        // What we write, our own JUnit reader reads back.
        let report = try JUnitParser.parse(Array(xml.utf8))
        #expect(report.cases.map(\.name) == ["unit", "cov", "sec", "jobs", "lcov"])
        #expect(report.cases.map(\.status) == [.failed, .passed, .skipped, .passed, .error])
        #expect(report.cases[0].message == "1 failed of 2 (max-failures 0)")
        #expect(report.cases[0].classname == "flotilla.gates.tests")
    }
}
