import Testing
import FlotillaCore

/// `shard:` in pipeline files: parsing, diagnostics at file:line:col, plan-time expressions.
@Suite("Shard pipeline key")
struct ShardPipelineTests {
    /// A one-job pipeline whose `shard:` key is on line 6, column 5, and whose body starts on
    /// line 7 with keys at column 7.
    static func pipeline(shard body: String) -> String {
        "jobs:\n  test:\n    runs-on: linux\n    steps:\n      - run: make test\n    shard:\n" + body + "\n"
    }

    static let errors: [(body: String, expected: String)] = [
        ("      count: 4\n      list: swift test list\n      files: 'tests/*'",
         "t.yml:9:7: error: jobs.test.shard: give either 'list' or 'files', not both ('list' is already given)"),
        ("      count: 4",
         "t.yml:6:5: error: jobs.test.shard needs 'list' (a command that prints test ids, one per line) or 'files' (a glob of test files)"),
        ("      list: swift test list",
         "t.yml:6:5: error: jobs.test.shard has no 'count'; give a whole number of shards from 1 to 256 or 'auto'"),
        ("      count: 0\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expected a whole number of shards from 1 to 256 or 'auto', found number 0"),
        ("      count: -3\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expected a whole number of shards from 1 to 256 or 'auto', found number -3"),
        ("      count: 2.5\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expected a whole number of shards from 1 to 256 or 'auto', found number 2.5"),
        ("      count: soon\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expected a whole number of shards from 1 to 256 or 'auto', found string 'soon'"),
        ("      count: 'AUTO'\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expected a whole number of shards from 1 to 256 or 'auto', found string 'AUTO'"),
        ("      count: true\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expected a whole number of shards from 1 to 256 or 'auto', found boolean true"),
        ("      count: [2]\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expected a whole number of shards from 1 to 256 or 'auto', found a list"),
        ("      count: 300\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': at most 256 shards, found 300"),
        ("      count: ${{ matrix.n }}\n      list: x",
         "t.yml:7:14: error: invalid 'jobs.test.shard.count': expressions are not supported here; expected a whole number of shards from 1 to 256 or 'auto'"),
        ("      count: 2\n      list: ''",
         "t.yml:8:13: error: invalid 'jobs.test.shard.list': it is empty; expected a command that prints test ids, one per line"),
        ("      count: 2\n      list: 42",
         "t.yml:8:13: error: invalid 'jobs.test.shard.list': expected a command that prints test ids, one per line, found number 42"),
        ("      count: 2\n      list: [a, b]",
         "t.yml:8:13: error: invalid 'jobs.test.shard.list': expected a command that prints test ids, one per line, found a list"),
        ("      count: 2\n      files: /etc/*.conf",
         "t.yml:8:14: error: invalid 'jobs.test.shard.files': the glob is absolute; globs are relative to the workspace root"),
        ("      count: 2\n      files: \"tests/../secrets/*\"",
         "t.yml:8:21: error: invalid 'jobs.test.shard.files': '..' is not allowed; the glob must stay inside the workspace"),
        ("      count: 2\n      files: tests/[a-",
         "t.yml:8:20: error: invalid 'jobs.test.shard.files': '[' is never closed by ']'; write '\\[' for a literal bracket"),
        ("      count: 2\n      files: 7",
         "t.yml:8:14: error: invalid 'jobs.test.shard.files': expected a glob of test files such as 'tests/**/test_*.py', found number 7"),
        ("      count: 2\n      list: x\n      shell: bash",
         "t.yml:9:7: error: unknown key 'shell' in 'jobs.test.shard'; allowed keys: count, list, files"),
    ]

    @Test(arguments: ShardPipelineTests.errors.indices)
    func badShardIsReportedAtItsPosition(_ index: Int) {
        let (body, expected) = Self.errors[index]
        let found = diagnostics(Self.pipeline(shard: body)).filter { $0.severity == .error }.map(\.description)
        #expect(found == [expected])
    }

    @Test func shardMustBeAMapping() {
        let yaml = "jobs:\n  test:\n    runs-on: linux\n    shard: 4\n    steps:\n      - run: x\n"
        #expect(diagnostics(yaml).map(\.description)
            == ["t.yml:4:12: error: jobs.test.shard: expected a mapping with 'count' and one of 'list' or 'files', found number 4"])
    }

    @Test func expressionErrorsInTheCommandPointIntoIt() throws {
        let found = diagnostics(Self.pipeline(shard: "      count: 2\n      list: echo ${{ matrix. }}"))
        let first = try #require(found.first)
        #expect(first.line == 8 && first.column > 18 && first.message.hasPrefix("jobs.test.shard.list: "))
    }

    @Test func listAndFixedCountArePlanned() throws {
        let p = try #require(plan(Self.pipeline(shard: "      count: 4\n      list: swift test list")))
        let job = try #require(p.jobs.first)
        #expect(job.shard == ShardSpec(count: .fixed(4), source: .list(command: "swift test list")))
        #expect(job.shardTests.isEmpty && job.shardMember == nil)
        let loaded = try PipelineLoader.load(text: Self.pipeline(shard: "      count: 4\n      list: swift test list"), fileName: "t.yml")
        #expect(loaded.jobs[0].shard?.count == Located(.fixed(4), at: SourcePosition(line: 7, column: 14)))
        #expect(loaded.jobs[0].shard?.location == SourcePosition(line: 6, column: 5))
        // A job without `shard:` is not sharded.
        #expect(plan("jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: y\n")?.jobs.first?.shard == nil)
    }

    @Test func matrixValuesResolveInCommandAndGlob() throws {
        let p = try #require(plan("""
        jobs:
          test:
            runs-on: linux
            strategy:
              matrix:
                suite: [unit, integration]
            shard:
              count: auto
              files: tests/${{ matrix.suite }}/**/test_*.py
            steps:
              - run: pytest $(cat "$FLOTILLA_SHARD_FILE")
          swift:
            runs-on: macos
            strategy:
              matrix:
                config: [debug, release]
            shard:
              count: 3
              list: swift test list -c ${{ matrix.config }} --skip ${{ runner.os }}
            steps:
              - run: swift test
        """))
        #expect(p.jobs.map(\.shard) == [
            ShardSpec(count: .auto, source: .files(glob: "tests/unit/**/test_*.py")),
            ShardSpec(count: .auto, source: .files(glob: "tests/integration/**/test_*.py")),
            // Runtime expressions stay for the agent, like in `run:`.
            ShardSpec(count: .fixed(3), source: .list(command: "swift test list -c debug --skip ${{ runner.os }}")),
            ShardSpec(count: .fixed(3), source: .list(command: "swift test list -c release --skip ${{ runner.os }}")),
        ])
    }

    @Test func aResolvedGlobIsValidatedByThePlanner() {
        let found = diagnostics("""
        jobs:
          test:
            runs-on: linux
            strategy:
              matrix:
                dir: [ok, ..]
            shard:
              count: 2
              files: tests/${{ matrix.dir }}/*.py
            steps:
              - run: x
        """).map(\.description)
        #expect(found == ["t.yml:9:14: error: invalid 'shard.files': 'tests/../*.py' (from 'tests/${{ matrix.dir }}/*.py'): '..' is not allowed; the glob must stay inside the workspace"])
    }

    @Test func aGlobCannotWaitForRuntimeValues() throws {
        let found = diagnostics(Self.pipeline(shard: "      count: 2\n      files: tests/${{ runner.os }}/*.py"))
        let first = try #require(found.first)
        #expect(first.line == 8 && first.column == 20)
        #expect(first.message.hasPrefix("shard.files uses 'runner', which is only known while the job runs"))
    }
}
