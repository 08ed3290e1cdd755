import Foundation
import Testing
import FlotillaCore
import TestSupport

/// Shard jobs: names, ids, env, `needs`, and the `plan --shards` table.
@Suite("Shard expansion")
struct ShardExpansionTests {
    static let yaml = """
    jobs:
      build:
        runs-on: linux
        steps:
          - run: make
      test:
        runs-on: linux
        needs: build
        strategy:
          matrix:
            os: [linux]
            swift: ["6.0"]
        env:
          FLOTILLA_SHARD_COUNT: stale
          KEEP: yes
        shard:
          count: 2
          list: ./list-tests
        steps:
          - run: ./run-tests "$FLOTILLA_SHARD_FILE"
      deploy:
        runs-on: linux
        needs: [build, test]
        steps:
          - run: ./deploy
    """

    static let shards = [Shard(index: 0, testIDs: ["a", "c"], predictedSeconds: 3),
                         Shard(index: 1, testIDs: ["b"], predictedSeconds: 2.5)]

    @Test func shardJobsAreNamedAfterTheMatrixJob() throws {
        let p = try #require(plan(Self.yaml))
        let job = try #require(p.jobs.first { $0.jobKey == "test" })
        #expect(job.id == "test-linux-6.0" && job.displayName == "test (linux, 6.0)")
        let expanded = ShardExpansion.expand(job: job, shards: Self.shards)
        #expect(expanded.map(\.id) == ["test-linux-6.0-shard-1-of-2", "test-linux-6.0-shard-2-of-2"])
        #expect(expanded.map(\.displayName) == ["test (linux, 6.0) (shard 1/2)", "test (linux, 6.0) (shard 2/2)"])
        #expect(expanded.map(\.shardTests) == [["a", "c"], ["b"]])
        #expect(expanded.map(\.shardMember) == [ShardMember(parentID: "test-linux-6.0", index: 0, count: 2),
                                                ShardMember(parentID: "test-linux-6.0", index: 1, count: 2)])
        #expect(expanded.allSatisfy { $0.shard == nil && $0.needs == ["build"] && $0.matrixGroup == "test" })
        // The shard variables override a same-named job variable in place and are appended otherwise.
        #expect(expanded[1].env == [EnvPair(name: "FLOTILLA_SHARD_COUNT", value: "2"), EnvPair(name: "KEEP", value: "yes"),
                                    EnvPair(name: "FLOTILLA_SHARD_INDEX", value: "1")])
        #expect(expanded[0].steps == job.steps && expanded[0].runsOn == job.runsOn)
        #expect(ShardExpansion.id(parent: "unit", index: 0, count: 1) == "unit-shard-1-of-1")
        #expect(ShardExpansion.displayName(parent: "unit", index: 2, count: 3) == "unit (shard 3/3)")
    }

    @Test func jobsThatNeededTheShardedJobNeedEveryShard() throws {
        let p = try #require(plan(Self.yaml))
        let expanded = ShardExpansion.expand(plan: p, shards: ["test-linux-6.0": Self.shards])
        #expect(expanded.jobs.map(\.id) == ["build", "test-linux-6.0-shard-1-of-2", "test-linux-6.0-shard-2-of-2", "deploy"])
        #expect(expanded.jobs[3].needs == ["build", "test-linux-6.0-shard-1-of-2", "test-linux-6.0-shard-2-of-2"])
        // Rewriting again changes nothing, and a plan without shards is left alone.
        #expect(ShardExpansion.expandNeeds(plan: expanded) == expanded)
        #expect(ShardExpansion.expandNeeds(plan: p) == p)
        // A sharded job with no shards yet (its list has not run) stays as it is.
        #expect(ShardExpansion.expand(plan: p, shards: [:]) == p)
    }

    @Test func everyShardOfEveryCombinationIsNeeded() throws {
        let p = try #require(plan("""
        jobs:
          test:
            runs-on: linux
            strategy:
              matrix:
                os: [a, b]
            shard:
              count: 2
              list: x
            steps:
              - run: x
          report:
            runs-on: linux
            needs: test
            if: always()
            steps:
              - run: x
        """))
        let two = [Shard(index: 0, testIDs: ["t1"], predictedSeconds: 1), Shard(index: 1, testIDs: ["t2"], predictedSeconds: 1)]
        let expanded = ShardExpansion.expand(plan: p, shards: ["test-a": two, "test-b": Array(two.prefix(1))])
        #expect(expanded.jobs.last?.needs == ["test-a-shard-1-of-2", "test-a-shard-2-of-2", "test-b-shard-1-of-1"])
        #expect(expanded.jobs.last?.condition == "always()")
    }

    @Test func aTakenShardIDGetsASuffix() throws {
        let p = try #require(plan("""
        jobs:
          unit-shard-1-of-2:
            runs-on: x
            steps:
              - run: x
          unit:
            runs-on: x
            shard:
              count: 2
              list: x
            steps:
              - run: x
        """))
        let expanded = ShardExpansion.expand(plan: p, shards: ["unit": Self.shards])
        #expect(expanded.jobs.map(\.id) == ["unit-shard-1-of-2", "unit-shard-1-of-2-2", "unit-shard-2-of-2"])
        #expect(Set(expanded.jobs.map(\.id)).count == 3)
    }

    @Test func planShardsTableShowsFilesShardsAndRunTimeLists() throws {
        let p = try #require(plan("""
        jobs:
          lint:
            runs-on: linux
            steps:
              - run: x
          py:
            runs-on: linux
            shard:
              count: 2
              files: tests/**/test_*.py
            steps:
              - run: x
          swift:
            runs-on: macos
            shard:
              count: auto
              list: swift test list
            steps:
              - run: x
        """))
        let files = ["README.md", "tests/test_a.py", "tests/unit/test_b.py", "tests/unit/test_c.py", "tests/helpers.py"]
        var asked: [[String]] = []
        let shards = ShardPreview.shards(plan: p, files: files, history: ["py": ["tests/test_a.py": 50, "tests/unit/test_b.py": 10]],
                                         freeMatchingSlots: { asked.append($0); return 4 })
        #expect(asked == [["linux"]])
        #expect(shards.keys.sorted() == ["py"])
        // test_c has no history: it is predicted at the median of 50 and 10.
        #expect(shards["py"] == [Shard(index: 0, testIDs: ["tests/test_a.py"], predictedSeconds: 50),
                                 Shard(index: 1, testIDs: ["tests/unit/test_b.py", "tests/unit/test_c.py"], predictedSeconds: 40)])
        #expect(PlanRenderer.shards(plan: p, shards: shards) == """
        JOB    SHARD  NAME                TESTS                   PREDICTED
        py     1/2    py (shard 1/2)      1                       50.0 s
        py     2/2    py (shard 2/2)      2                       40.0 s
        swift  -      swift (count auto)  discovered at run time  -
        """)
        #expect(PlanRenderer.shards(plan: try #require(plan("jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: y\n")), shards: [:])
            == "no job in this plan is sharded")
    }

    @Test func sourceFilesListWhatABundleWouldHold() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-shard")
        _ = try directory.write("x", to: "tests/unit/test_b.py")
        _ = try directory.write("x", to: "tests/test_a.py")
        _ = try directory.write("x", to: "README.md")
        _ = try directory.makeDirectory("empty")
        let files = try ShardPreview.sourceFiles(directory: directory.path)
        #expect(files == ["README.md", "tests/test_a.py", "tests/unit/test_b.py"])
        #expect(try ShardGlob("tests/**/test_*.py").expand(files) == ["tests/test_a.py", "tests/unit/test_b.py"])
    }
}
