import Testing
import FlotillaCore

@Suite("Pipeline planning")
struct PipelinePlanTests {
    @Test func envPrecedenceAcrossThreeLevels() throws {
        let p = try #require(plan("""
        env:
          A: workflow
          B: workflow
          C: workflow
        jobs:
          j:
            runs-on: x
            env:
              B: job
              D: ${{ env.A }}-job
            steps:
              - run: echo "${{ env.A }} ${{ env.B }} ${{ env.C }} ${{ env.D }}"
                env:
                  C: step
                  E: ${{ env.B }}-step
        """))
        let job = try #require(p.jobs.first)
        #expect(job.env == [EnvPair(name: "A", value: "workflow"), EnvPair(name: "B", value: "job"),
                            EnvPair(name: "C", value: "workflow"), EnvPair(name: "D", value: "workflow-job")])
        #expect(job.steps[0].env == [EnvPair(name: "C", value: "step"), EnvPair(name: "E", value: "job-step")])
        #expect(job.steps[0].run == "echo \"workflow job step workflow-job\"")
    }

    @Test func namesAndSuffixes() throws {
        let p = try #require(plan("""
        jobs:
          plain:
            name: Plain name
            runs-on: x
            strategy:
              matrix:
                v: [1]
            steps:
              - run: |
                  make
                  make check
          templated:
            name: Build on ${{ matrix.os }}
            runs-on: x
            strategy:
              matrix:
                os: [linux]
                cc: [gcc]
            steps:
              - run: make
        """))
        #expect(p.jobs.map(\.displayName) == ["Plain name (1)", "Build on linux"])
        #expect(p.jobs[0].steps[0].name == "Run make")
    }

    @Test func runsOnFromAListExpression() throws {
        let p = try #require(plan("""
        jobs:
          j:
            runs-on: ${{ matrix.labels }}
            strategy:
              matrix:
                labels: [[linux, gpu], [macos]]
            steps:
              - run: x
        """))
        #expect(p.jobs.map(\.runsOn) == [["linux", "gpu"], ["macos"]])
        #expect(p.jobs.map(\.displayName) == ["j (linux, gpu)", "j (macos)"])
    }

    @Test func githubContextFromOptions() throws {
        let p = try #require(plan("""
        jobs:
          j:
            runs-on: x
            steps:
              - run: echo ${{ github.ref }} ${{ github.job }} ${{ github.workspace }}
        """, options: PlanOptions(github: ["ref": "refs/heads/dev"])))
        #expect(p.jobs[0].steps[0].run == "echo refs/heads/dev j ${{ github.workspace }}")
    }

    @Test func strategyContext() throws {
        let p = try #require(plan("""
        jobs:
          j:
            runs-on: x
            strategy:
              matrix:
                n: [a, b]
            steps:
              - run: echo ${{ strategy.job-index }}/${{ strategy.job-total }}
        """))
        #expect(p.jobs.map { $0.steps[0].run } == ["echo 0/2", "echo 1/2"])
    }

    @Test func fractionalTimeouts() throws {
        let p = try #require(plan("""
        jobs:
          j:
            runs-on: x
            timeout-minutes: 0.5
            steps:
              - run: x
                timeout-minutes: 1.25
        """))
        #expect(p.jobs[0].timeoutMillis == 30_000)
        #expect(p.jobs[0].steps[0].timeoutMillis == 75_000)
    }

    @Test func checkoutOnlyJobHasNoStepsAndAWarning() throws {
        let p = try #require(plan("""
        jobs:
          j:
            runs-on: x
            steps:
              - uses: actions/checkout@v4
              - run: make
        """))
        #expect(p.jobs[0].steps.map(\.run) == ["make"])
        #expect(p.warnings == ["t.yml:5:15: warning: step uses 'actions/checkout@v4': Flotilla checks out the repository before the first step, so this step is skipped"])
    }

    @Test func jsonRendering() throws {
        let p = try #require(plan("""
        jobs:
          build:
            runs-on: [linux, x64]
            steps:
              - run: make
          test:
            needs: build
            name: "Test \\"quoted\\""
            runs-on: linux
            strategy:
              matrix:
                os: [linux]
                swift: [6.0, "6.1"]
            steps:
              - run: a
              - run: b
        """))
        #expect(PlanRenderer.json(p) == #"{"jobs": [{"id": "build", "job": "build", "name": "build", "matrix": {}, "runs_on": ["linux", "x64"], "needs": [], "steps": 1}, "#
            + #"{"id": "test-linux-6", "job": "test", "name": "Test \"quoted\" (linux, 6)", "matrix": {"os": "linux", "swift": 6}, "runs_on": ["linux"], "needs": ["build"], "steps": 2}, "#
            + #"{"id": "test-linux-6.1", "job": "test", "name": "Test \"quoted\" (linux, 6.1)", "matrix": {"os": "linux", "swift": "6.1"}, "runs_on": ["linux"], "needs": ["build"], "steps": 2}]}"#)
    }

    @Test func tableRendering() throws {
        let p = try #require(plan("""
        jobs:
          build:
            runs-on: [linux, x64]
            steps:
              - run: make
          test-suite:
            needs: build
            runs-on: linux
            steps:
              - run: a
              - run: b
        """))
        #expect(PlanRenderer.table(p) == """
        ID          NAME        RUNS-ON    NEEDS  STEPS
        build       build       linux,x64  -      1
        test-suite  test-suite  linux      build  2
        """)
    }

    @Test func jsonEscaping() {
        #expect(JSONWriter.quote("a\"b\\c\n\t\u{01}é") == #""a\"b\\c\n\t\u0001é""#)
        #expect(JSONWriter.compact(.object([(key: "n", value: .number(.nan)), (key: "a", value: .array([.null, .bool(true)]))])) == #"{"n":null,"a":[null,true]}"#)
    }

    @Test func loadedModelKeepsLocations() throws {
        let pipeline = try PipelineLoader.load(text: """
        name: Model
        jobs:
          j:
            runs-on: x
            needs: []
            steps:
              - id: s
                run: echo
        """, fileName: "m.yml")
        #expect(pipeline.name?.value == "Model")
        let job = try #require(pipeline.job("j"))
        #expect(job.location == SourcePosition(line: 3, column: 3))
        #expect(job.steps.first?.id == Located("s", at: SourcePosition(line: 7, column: 13)))
        #expect(job.runsOn.first?.text == "x")
    }
}
