import Foundation
import Testing
import FlotillaCore

/// `artifacts:` on jobs and the top-level `gates:` in pipeline files.
@Suite("Pipeline artifacts and gates")
struct PipelineArtifactsTests {
    static let good = """
        jobs:
          test:
            runs-on: linux
            strategy:
              matrix:
                os: [linux, mac]
            steps:
              - run: make test
            artifacts:
              - path: reports/junit.xml
                kind: junit
              - path: "out/${{ matrix.os }}/coverage.info"
                name: cov-${{ matrix.os }}
                kind: coverage
              - path: build/test-results/**/*.xml
              - path: "**/*.sarif"
                kind: sarif
          package:
            runs-on: linux
            steps:
              - run: make dist
        gates:
          - name: unit tests
            kind: tests
          - name: coverage
            kind: coverage
            min: 80.5
            blocking: false
          - name: security
            kind: security
            max-high: 3
            critical: false
          - name: builds
            kind: jobs
            jobs: [test, package]
          - name: everything
            kind: jobs
          - {name: few failures, kind: tests, max-failures: 2, blocking: true, critical: true}

        """

    @Test func artifactsArePlannedPerMatrixCombination() throws {
        let p = try #require(plan(Self.good))
        #expect(p.jobs.map(\.id) == ["test-linux", "test-mac", "package"])
        #expect(p.jobs[0].artifacts == [
            ArtifactSpec(path: "reports/junit.xml", name: "junit.xml", kind: .junit),
            ArtifactSpec(path: "out/linux/coverage.info", name: "cov-linux", kind: .coverage),
            ArtifactSpec(path: "build/test-results/**/*.xml", name: "test-results", kind: .file),
            ArtifactSpec(path: "**/*.sarif", name: "sarif", kind: .sarif),
        ])
        #expect(p.jobs[1].artifacts[1] == ArtifactSpec(path: "out/mac/coverage.info", name: "cov-mac", kind: .coverage))
        #expect(p.jobs[2].artifacts.isEmpty)
    }

    @Test func gatesArePlanned() throws {
        let p = try #require(plan(Self.good))
        #expect(p.gates == [
            GateSpec(name: "unit tests", rule: .tests(maxFailures: 0)),
            GateSpec(name: "coverage", rule: .coverage(minPercent: 80.5), blocking: false),
            GateSpec(name: "security", rule: .security(maxCritical: 0, maxHigh: 3), critical: false),
            GateSpec(name: "builds", rule: .jobs(["test", "package"])),
            GateSpec(name: "everything", rule: .jobs([])),
            GateSpec(name: "few failures", rule: .tests(maxFailures: 2)),
        ])
        #expect(p.gates.map(\.kind) == [.tests, .coverage, .security, .jobs, .jobs, .tests])
    }

    @Test func planJSONDoesNotChange() throws {
        let withKeys = try #require(plan(Self.good))
        var plain = Self.good
        let start = try #require(plain.range(of: "    artifacts:\n")), end = try #require(plain.range(of: "  package:\n"))
        plain.removeSubrange(start.lowerBound..<end.lowerBound)
        plain = plain.components(separatedBy: "gates:")[0]
        #expect(!plain.contains("artifacts") && plain.contains("package:"))
        let without = try #require(plan(plain))
        #expect(without.jobs.allSatisfy { $0.artifacts.isEmpty } && without.gates.isEmpty)
        #expect(PlanRenderer.json(withKeys) == PlanRenderer.json(without))
        #expect(PlanRenderer.table(withKeys) == PlanRenderer.table(without))
    }

    @Test func defaultNames() {
        #expect(ArtifactPath.defaultName(for: "reports/junit.xml", kind: .junit) == "junit.xml")
        #expect(ArtifactPath.defaultName(for: "./build/test-results/**/*.xml", kind: .junit) == "test-results")
        #expect(ArtifactPath.defaultName(for: "*.sarif", kind: .sarif) == "sarif")
        #expect(ArtifactPath.defaultName(for: "**/*", kind: .file) == "files")
        #expect(ArtifactPath.defaultName(for: "out/my report (final).pdf", kind: .file) == "my_report__final_.pdf")
    }

    /// (artifacts YAML under `jobs.test`, line, column, message); the job starts on line 2.
    static let badArtifacts: [(String, Int, Int, String)] = [
        ("    artifacts: junit.xml", 7, 16,
         "jobs.test.artifacts: expected a list of artifacts such as '- path: reports/junit.xml', found string 'junit.xml'"),
        ("    artifacts: [junit.xml]", 7, 17,
         "jobs.test.artifacts[0]: expected a mapping with 'path' (and optionally 'name' and 'kind'), found string 'junit.xml'"),
        ("    artifacts:\n      - path: /etc/passwd", 8, 15,
         "jobs.test.artifacts[0].path: absolute path '/etc/passwd' is not allowed; artifact paths are relative to the job's workspace"),
        ("    artifacts:\n      - path: reports/../../secret", 8, 23,
         "jobs.test.artifacts[0].path: '..' is not allowed in artifact paths; artifacts must come from inside the job's workspace"),
        ("    artifacts:\n      - path: ~/.ssh/id_rsa", 8, 15,
         "jobs.test.artifacts[0].path: '~' is not expanded in artifact paths; give a path relative to the job's workspace"),
        ("    artifacts:\n      - path: 'out\\win.log'", 8, 19,
         "jobs.test.artifacts[0].path: backslashes are not allowed in artifact paths; separate directories with '/'"),
        ("    artifacts:\n      - path: ''", 8, 16, "jobs.test.artifacts[0].path: the artifact path is empty"),
        ("    artifacts:\n      - path: 42", 8, 15, "jobs.test.artifacts[0].path: expected a string, found number 42"),
        ("    artifacts:\n      - {path: x.html, kind: html}", 8, 30,
         "jobs.test.artifacts[0].kind: unknown artifact kind 'html'; expected one of file, junit, coverage, sarif"),
        ("    artifacts:\n      - {path: x.html, size: 3}", 8, 24,
         "unknown key 'size' in 'jobs.test.artifacts[0]'; allowed keys: path, name, kind"),
        ("    artifacts:\n      - name: report", 8, 9, "jobs.test.artifacts[0] has no 'path'; give a file or glob relative to the workspace"),
        ("    artifacts:\n      - path: r.pdf\n        name: my report", 9, 15,
         "jobs.test.artifacts[0].name: artifact name 'my report' may only contain letters, digits, '.', '_' and '-'"),
        ("    artifacts:\n      - path: a/junit.xml\n      - path: b/junit.xml", 9, 9,
         "artifact name 'junit.xml' (derived from the path) is already used in job 'test' by the artifact at line 8, column 9; give each artifact a distinct 'name:'"),
        ("    artifacts:\n      - path: a.xml\n        name: r\n      - path: b.xml\n        name: r", 11, 15,
         "artifact name 'r' is already used in job 'test' by the artifact at line 8, column 9; give each artifact a distinct 'name:'"),
        ("    artifacts:\n      - path: ${{ steps.build.outputs.dir }}/x", 8, 15,
         "jobs.test.artifacts[0].path uses 'steps', which is only known while the job runs; only matrix, env, github and strategy can be used here"),
        ("    artifacts:\n      - path: ${{ matrix.dir }}/x", 8, 15,
         "jobs.test.artifacts[0].path: '..' is not allowed in artifact paths; artifacts must come from inside the job's workspace (from '${{ matrix.dir }}/x')"),
        ("    artifacts:\n      - path: x\n        name: ${{ matrix.dir }}", 9, 15,
         "jobs.test.artifacts[0].name: '..' is not a valid artifact name (from '${{ matrix.dir }}')"),
    ]

    @Test(arguments: PipelineArtifactsTests.badArtifacts.indices)
    func badArtifactsEntry(_ index: Int) throws {
        let (entry, line, column, message) = Self.badArtifacts[index]
        let yaml = "jobs:\n  test:\n    runs-on: linux\n    strategy:\n      matrix: {dir: ['..']}\n    steps: [{run: make}]\n" + entry + "\n"
        let first = try #require(diagnostics(yaml).first)
        #expect(first.description == "t.yml:\(line):\(column): error: \(message)")
    }

    /// (gates YAML, line, column, message); the gates start on line 6.
    static let badGates: [(String, Int, Int, String)] = [
        ("gates: {a: 1}", 6, 8, "gates: expected a list of gates such as '- {name: unit tests, kind: tests}', found a mapping"),
        ("gates:\n  - unit tests", 7, 5, "gates[0]: expected a mapping with 'name' and 'kind', found string 'unit tests'"),
        ("gates:\n  - name: x", 7, 5, "gates[0] has no 'kind'; expected one of tests, coverage, security, jobs, performance"),
        ("gates:\n  - {name: x, kind: perf}", 7, 21, "gates[0].kind: unknown gate kind 'perf'; expected one of tests, coverage, security, jobs, performance"),
        ("gates:\n  - {name: x, kind: tests, min: 80}", 7, 28,
         "unknown key 'min' in gate 'x' (kind tests); allowed keys: name, kind, blocking, critical, max-failures"),
        ("gates:\n  - name: c\n    kind: coverage", 7, 5,
         "gate 'c' (kind coverage) has no 'min'; give the lowest acceptable line coverage in percent, such as 'min: 80'"),
        ("gates:\n  - {name: c, kind: coverage, min: 120}", 7, 36, "invalid 'gates[0].min': expected a percentage from 0 to 100, found number 120"),
        ("gates:\n  - {name: c, kind: coverage, min: '80%'}", 7, 36, "invalid 'gates[0].min': expected a percentage from 0 to 100, found string '80%'"),
        ("gates:\n  - {name: t, kind: tests, max-failures: -1}", 7, 42,
         "invalid 'gates[0].max-failures': expected a whole number of at least 0, found number -1"),
        ("gates:\n  - {name: t, kind: security, max-high: 1.5}", 7, 41,
         "invalid 'gates[0].max-high': expected a whole number of at least 0, found number 1.5"),
        ("gates:\n  - {name: t, kind: tests, blocking: yes}", 7, 38, "invalid 'gates[0].blocking': expected true or false, found string 'yes'"),
        ("gates:\n  - {kind: tests}", 7, 5, "gates[0] has no 'name'; every gate needs a name for reports"),
        ("gates:\n  - {name: t, kind: tests}\n  - {name: t, kind: jobs}", 8, 12,
         "gate name 't' is already used by the gate at line 7, column 12"),
        ("gates:\n  - {name: b, kind: jobs, jobs: [test, deploy]}", 7, 40,
         "gate 'b' lists 'deploy', which is not a job in this workflow; jobs are: test"),
        ("gates:\n  - {name: b, kind: jobs, jobs: []}", 7, 33, "gates[0].jobs: the list is empty; leave out 'jobs' to require every job"),
        ("gates:\n  - {name: n, kind: tests, max-failures: '${{ env.N }}'}", 7, 42,
         "invalid 'gates[0].max-failures': expected a whole number of at least 0, found string '${{ env.N }}'"),
        ("gates:\n  - {name: '${{ x }}', kind: tests}", 7, 12, "gates[0].name: expressions are not allowed here"),
    ]

    @Test(arguments: PipelineArtifactsTests.badGates.indices)
    func badGatesEntry(_ index: Int) throws {
        let (gates, line, column, message) = Self.badGates[index]
        let yaml = "jobs:\n  test:\n    runs-on: linux\n    steps:\n      - run: make\n" + gates + "\n"
        let first = try #require(diagnostics(yaml).first)
        #expect(first.description == "t.yml:\(line):\(column): error: \(message)")
    }

    @Test func everyProblemIsReportedTogether() throws {
        let yaml = """
            gates:
              - {name: a, kind: nope}
              - {name: b, kind: coverage, min: 101, blocking: maybe}
            jobs:
              test:
                runs-on: linux
                steps: [{run: make}]
                artifacts:
                  - {path: /abs, kind: xml}

            """
        let lines = diagnostics(yaml).map { "\($0.line):\($0.column): \($0.message)" }
        #expect(lines == [
            "2:21: gates[0].kind: unknown gate kind 'nope'; expected one of tests, coverage, security, jobs, performance",
            "3:36: invalid 'gates[1].min': expected a percentage from 0 to 100, found number 101",
            "3:51: invalid 'gates[1].blocking': expected true or false, found string 'maybe'",
            "9:16: jobs.test.artifacts[0].path: absolute path '/abs' is not allowed; artifact paths are relative to the job's workspace",
            "9:28: jobs.test.artifacts[0].kind: unknown artifact kind 'xml'; expected one of file, junit, coverage, sarif",
        ])
    }
}
