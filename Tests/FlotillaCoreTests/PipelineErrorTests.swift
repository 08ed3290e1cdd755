import Testing
import FlotillaCore

/// Broken pipeline files each get a precise diagnostic at file:line:column.
@Suite("Pipeline errors")
struct PipelineErrorTests {
    /// (fixture, line, column, message) of the first error.
    static let cases: [(String, Int, Int, String)] = [
        ("tab-indentation.yml", 4, 1, "tabs are not allowed for indentation; indent with spaces"),
        ("unclosed-quote.yml", 6, 15, "unclosed quoted string: the quote opened here is never closed"),
        ("duplicate-key.yml", 11, 3, "duplicate key 'build': it is already defined at line 3, column 3"),
        ("needs-unknown.yml", 9, 20, "job 'deploy' needs 'tset', which is not a job in this workflow; jobs are: build"),
        ("needs-cycle.yml", 14, 12, "dependency cycle between jobs: build -> package -> test -> build"),
        ("timeout-soon.yml", 5, 22, "invalid 'timeout-minutes': expected a number of minutes, found string 'soon'"),
        ("matrix-too-large.yml", 6, 7, "the matrix produces 294 combinations; the limit is 256 jobs per matrix"),
        ("expression-syntax.yml", 9, 36, "run: expected a value after '==', found end of expression"),
        ("uses-action.yml", 7, 15, "step uses 'actions/setup-node@v4' cannot run on a Flotilla agent; replace it with a 'run:' step or plan with --skip-uses to drop it"),
    ]

    @Test func everyBadFixtureIsCovered() {
        #expect(Set(PipelineFixtures.names("bad")) == Set(Self.cases.map(\.0) + ["many-errors.yml"]))
    }

    @Test(arguments: PipelineErrorTests.cases.map(\.0))
    func badFixture(_ name: String) throws {
        let (_, line, column, message) = try #require(Self.cases.first { $0.0 == name })
        let path = PipelineFixtures.path("bad", name)
        do {
            let plan = try Planner.plan(try PipelineLoader.load(path: path))
            Issue.record("\(name) planned \(plan.jobs.count) jobs")
        } catch {
            let first = try #require(error.errors.first)
            #expect(first.description == "\(path):\(line):\(column): error: \(message)")
            #expect(first.file == path && first.line == line && first.column == column && first.severity == .error)
        }
    }

    @Test func allErrorsAreReportedTogether() throws {
        let path = PipelineFixtures.path("bad", "many-errors.yml")
        do {
            _ = try PipelineLoader.load(path: path)
            Issue.record("many-errors.yml loaded")
        } catch {
            let lines = error.errors.map { "\($0.line):\($0.column): \($0.message)" }
            #expect(lines == [
                "3:3: invalid job id '1build': a job id must start with a letter or '_' and contain only letters, digits, '-' and '_'",
                "9:22: invalid 'timeout-minutes': expected a number of minutes greater than 0, found -5",
                "10:17: jobs.test.artifacts[0]: expected a mapping with 'path' (and optionally 'name' and 'kind'), found string 'junit.xml'",
                "12:9: a step needs exactly one of 'run' or 'uses'",
                "14:16: shell 'pwsh' is not supported on Flotilla agents; use bash or sh",
                "15:9: a step cannot have both 'run' and 'uses'",
                "17:3: job 'lint' has no 'runs-on'; name the labels an agent must carry",
                "19:28: run: unexpected '='; use '==' to compare",
            ])
        }
    }

    @Test func selfNeedIsNamed() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: x\n    needs: a\n    steps:\n      - run: x\n")
        #expect(d.map(\.description) == ["t.yml:4:12: error: job 'a' needs itself"])
    }

    @Test func unknownWorkflowKeyListsAllowedKeys() {
        let d = diagnostics("nmae: x\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n")
        #expect(d.map(\.description) == ["t.yml:1:1: error: unknown key 'nmae' in the workflow; allowed keys: name, env, defaults, jobs, gates"])
    }

    @Test func unknownStepKey() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n        timeout: 3\n")
        #expect(d.first?.message.hasPrefix("unknown key 'timeout' in a step; allowed keys: name, id, run, uses, with,") == true)
        #expect(d.first.map { "\($0.line):\($0.column)" } == "6:9")
    }

    @Test func wrongShapes() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: {group: big}\n    env: [A]\n    steps: run\n")
        #expect(d.map(\.description) == [
            "t.yml:3:14: error: jobs.a.runs-on: runner groups are not supported; give a label or a list of labels",
            "t.yml:4:10: error: jobs.a.env: expected a mapping, found a list",
            "t.yml:5:12: error: jobs.a.steps: expected a list of steps, found string 'run'",
        ])
    }

    @Test func emptyAndNonMappingFiles() {
        #expect(diagnostics("").map(\.message) == ["the pipeline file is empty; expected a mapping with 'jobs:'"])
        #expect(diagnostics("- a\n- b\n").map(\.message) == ["pipeline file: expected a mapping, found a list"])
        #expect(diagnostics("name: x\n").map(\.message) == ["the workflow has no 'jobs:' section"])
    }

    @Test func duplicateStepIDs() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: x\n    steps:\n      - id: s\n        run: x\n      - id: s\n        run: y\n")
        #expect(d.map(\.description) == ["t.yml:7:13: error: step id 's' is already used by the step at line 5, column 13"])
    }

    @Test func expressionErrorsInsideBlockScalarsPointIntoTheBlock() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n          echo ok\n          echo ${{ foo.bar }}\n")
        #expect(d.first.map { "\($0.line):\($0.column)" } == "7:20")
        #expect(d.first?.message.hasPrefix("run: unrecognized named value 'foo'") == true)
    }

    @Test func conditionErrorsPointIntoTheCondition() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: x\n    if: ${{ success() && }}\n    steps:\n      - run: x\n")
        #expect(d.map(\.description) == ["t.yml:4:26: error: jobs.a.if: expected a value after '&&', found end of expression"])
        let quoted = diagnostics("jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n        if: \"contains(matrix.os, 'a'\"\n")
        #expect(quoted.map(\.description) == ["t.yml:6:37: error: if: expected ',' or ')', found end of expression"])
    }

    @Test func unclosedExpression() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ matrix.os\n")
        #expect(d.map(\.description) == ["t.yml:5:19: error: run: unclosed '${{': expected '}}' to end the expression"])
    }

    @Test func runtimeContextInRunsOnIsRejected() {
        let d = diagnostics("jobs:\n  a:\n    runs-on: ${{ steps.x.outputs.label }}\n    steps:\n      - run: x\n")
        #expect(d.map(\.description) == ["t.yml:3:14: error: runs-on uses 'steps', which is only known while the job runs; only matrix, env, github and strategy can be used here"])
    }

    @Test func timeoutFromMatrixMustBeANumber() {
        let d = diagnostics("""
        jobs:
          a:
            runs-on: x
            timeout-minutes: ${{ matrix.t }}
            strategy:
              matrix:
                t: [5, later]
            steps:
              - run: x
        """)
        #expect(d.map(\.description) == ["t.yml:4:22: error: invalid 'timeout-minutes': expected a number of minutes greater than 0, found string 'later'"])
    }

    @Test func diagnosticDescriptionFormat() {
        let d = Diagnostic(file: "ci.yml", line: 2, column: 5, severity: .warning, message: "careful")
        #expect(d.description == "ci.yml:2:5: warning: careful")
        let e = PipelineLoadError(diagnostics: [d, Diagnostic(file: "ci.yml", line: 3, column: 1, severity: .error, message: "bad")])
        #expect(e.description == "ci.yml:2:5: warning: careful\nci.yml:3:1: error: bad")
        #expect(e.errors.count == 1)
    }

    @Test func missingFileIsReported() {
        do {
            _ = try PipelineLoader.load(path: "/nonexistent/flotilla/ci.yml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["/nonexistent/flotilla/ci.yml:1:1: error: cannot read the file: no such file"])
        }
    }
}
