import Testing
import TestSupport
import WireProtocol

@Suite("AssignJob shard tests")
struct ShardCodecTests {
    private static let plain = JobAssignment(job: JobRef(runID: "r", jobID: "j", attempt: 1), name: "n", bundleSHA256: "",
                                             bundleSize: 0, env: [], steps: [], timeoutMillis: 7)

    @Test("shardTests is a list of strings after the artifact requests, as PROTOCOL.md says")
    func golden() throws {
        var sharded = Self.plain
        sharded.shardTests = ["a", "é"]
        let plainBody = MessageCodec.encodeBody(.assignJob(Self.plain))
        let body = MessageCodec.encodeBody(.assignJob(sharded))
        // Everything up to the artifacts list is unchanged; the empty list of an unsharded job is
        // four zeros, followed by the absent benchmark (one zero).
        #expect(Array(plainBody.suffix(5)) == [0, 0, 0, 0, 0])
        #expect(Array(body.prefix(plainBody.count - 5)) == Array(plainBody.dropLast(5)))
        #expect(Array(body.suffix(4 + 5 + 6 + 1)) == [0, 0, 0, 2, 0, 0, 0, 1, 0x61, 0, 0, 0, 2, 0xC3, 0xA9, 0])
        #expect(try MessageCodec.decode(type: MessageType.assignJob.rawValue, body: body) == .assignJob(sharded))
        // The list is required: an assignment that ends after its artifacts is truncated.
        #expect(decodeError(.assignJob, Array(plainBody.dropLast(5)))?.malformedField == "shardTests")
    }

    @Test("an id with a line break or NUL is malformed: the agent writes one id per line",
          arguments: ["a\nb", "a\r", "\0"])
    func lineBreaksAreMalformed(_ id: String) {
        var sharded = Self.plain
        sharded.shardTests = ["ok", id]
        #expect(decodeError(.assignJob, MessageCodec.encodeBody(.assignJob(sharded)))?.malformedField == "shardTests[]")
        #expect(JobAssignment.shardTestsProblem(["ok", id])?.contains("line break") == true)
    }

    @Test("ids are bounded in length and count; the sender's check says which bound")
    func bounds() throws {
        var sharded = Self.plain
        sharded.shardTests = [String(repeating: "x", count: JobAssignment.maxShardTestIDBytes)]
        let atLimit = MessageCodec.encodeBody(.assignJob(sharded))
        #expect(try MessageCodec.decode(type: MessageType.assignJob.rawValue, body: atLimit) == .assignJob(sharded))
        #expect(JobAssignment.shardTestsProblem(sharded.shardTests) == nil)

        sharded.shardTests = [String(repeating: "x", count: JobAssignment.maxShardTestIDBytes + 1)]
        #expect(decodeError(.assignJob, MessageCodec.encodeBody(.assignJob(sharded)))?.limitField == "shardTests[]")
        #expect(JobAssignment.shardTestsProblem(sharded.shardTests)?.contains("longer than 4096") == true)

        let small = ProtocolLimits(maxListCount: 2)
        sharded.shardTests = ["a", "b", "c"]
        #expect(decodeError(.assignJob, MessageCodec.encodeBody(.assignJob(sharded)), limits: small)?.limitField
                == "shardTests count")
        #expect(JobAssignment.shardTestsProblem(sharded.shardTests, limits: small) == "3 test ids, at most 2 fit one job")

        // 200 ids of 4 KiB fit the receiver's per-id limit but not the sender's byte budget.
        let many = (0..<200).map { "\($0)-" + String(repeating: "y", count: 4_000) }
        #expect(JobAssignment.shardTestsProblem(many)?.contains("more than the 524288") == true)
        #expect(JobAssignment.shardTestsProblem(Array(many.prefix(100))) == nil)
    }
}
