import Foundation
import Testing
import FlotillaCore
import TestSupport
import WireProtocol
@testable import FlotillaAgent

@Suite("Job runner: shard test files")
struct ShardFileTests {
    private static let printShard = StepSpec(
        name: "shard", run: #"echo "index=$FLOTILLA_SHARD_INDEX count=$FLOTILLA_SHARD_COUNT file=$FLOTILLA_SHARD_FILE"; cat "$FLOTILLA_SHARD_FILE""#)

    @Test func shardFileHoldsTheTestIDsOnePerLineForEveryStep() async throws {
        let work = try TemporaryDirectory()
        var job = assignment([Self.printShard, StepSpec(name: "count", run: #"wc -l < "$FLOTILLA_SHARD_FILE""#)],
                             env: [EnvVar(name: "FLOTILLA_SHARD_INDEX", value: "1"), EnvVar(name: "FLOTILLA_SHARD_COUNT", value: "3")])
        job.shardTests = ["Tests/test_a.py", "pkg.Class/test b", "ünï::cödé"]
        let run = await runJob(job, work: work)
        #expect(run.finished.outcome == .success)
        let file = work.path + "/work/run-1/build-1/tmp/shard-tests.txt"
        #expect(run.log(.stdout, step: 0) == "index=1 count=3 file=\(file)\nTests/test_a.py\npkg.Class/test b\nünï::cödé\n")
        #expect(run.log(.stdout, step: 1).trimmingCharacters(in: .whitespaces) == "3\n")
    }

    @Test func aShardWithoutTestsGetsAnEmptyFile() async throws {
        let work = try TemporaryDirectory()
        let job = assignment([StepSpec(name: "size", run: #"test -f "$FLOTILLA_SHARD_FILE"; wc -c < "$FLOTILLA_SHARD_FILE""#)],
                             env: [EnvVar(name: "FLOTILLA_SHARD_INDEX", value: "0"), EnvVar(name: "FLOTILLA_SHARD_COUNT", value: "1")])
        let run = await runJob(job, work: work)
        #expect(run.finished.outcome == .success, "\(run.log(.system))")
        #expect(run.log(.stdout).trimmingCharacters(in: .whitespaces) == "0\n")
    }

    @Test func otherJobsHaveNoShardFile() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([StepSpec(name: "env", run: #"echo "[${FLOTILLA_SHARD_FILE-unset}]"; ls "$RUNNER_TEMP""#)]),
                               work: work)
        #expect(run.finished.outcome == .success)
        #expect(run.log(.stdout) == "[unset]\nstep-1.sh\n")
    }
}
