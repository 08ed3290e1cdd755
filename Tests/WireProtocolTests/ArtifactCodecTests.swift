import Testing
import TestSupport
import WireProtocol

@Suite("Artifact messages")
struct ArtifactCodecTests {
    private static let job = JobRef(runID: "r", jobID: "j", attempt: 1)

    @Test("every artifact sample round-trips through body and frame", arguments: SampleMessages.artifacts)
    func roundTrip(_ message: Message) throws {
        let body = MessageCodec.encodeBody(message)
        #expect(try MessageCodec.decode(type: message.messageType.rawValue, body: body) == message)
        var decoder = FrameDecoder()
        decoder.append(FrameEncoder.encode(message))
        #expect(try decoder.nextMessage() == message)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("the artifact samples cover every artifact message type")
    func samplesCoverArtifactTypes() {
        let covered = Set(SampleMessages.artifacts.map(\.messageType))
        let expected: Set<MessageType> = [.artifactBegin, .artifactChunk, .artifactEnd, .artifactRefused, .artifactAck,
                                          .artifactStored, .listArtifacts, .fetchArtifact, .artifactList, .artifactData]
        #expect(expected.isSubset(of: covered))
    }

    @Test("ArtifactAck bytes match PROTOCOL.md")
    func ackGolden() {
        let frame = FrameEncoder.encode(.artifactAck(ArtifactAck(job: Self.job, artifactID: 2, status: .retry, message: "")))
        let expected: [UInt8] = [0, 0, 0, 0x18, 0x44,
                                 0, 0, 0, 1, 0x72, 0, 0, 0, 1, 0x6A, 0, 0, 0, 1,
                                 0, 0, 0, 2,
                                 2,
                                 0, 0, 0, 0]
        #expect(frame == expected)
    }

    @Test("AssignJob carries its artifact requests after the timeout, as a list")
    func assignmentAppendsArtifacts() throws {
        let plain = JobAssignment(job: Self.job, name: "n", bundleSHA256: "", bundleSize: 0, env: [], steps: [],
                                  timeoutMillis: 7)
        var withArtifacts = plain
        withArtifacts.artifacts = [ArtifactRequest(path: "out/*.xml", name: "", kind: .junit)]
        let plainBody = MessageCodec.encodeBody(.assignJob(plain))
        let fullBody = MessageCodec.encodeBody(.assignJob(withArtifacts))
        // timeout, then an empty artifacts list, then the (empty) shardTests list and the
        // (absent) benchmark that follow it.
        #expect(Array(plainBody.suffix(17)) == [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(fullBody.prefix(plainBody.count - 9)) == Array(plainBody.dropLast(9)))
        #expect(Array(fullBody.suffix(4 + 13 + 5 + 4 + 1))
                == [0, 0, 0, 1, 0, 0, 0, 9] + Array("out/*.xml".utf8) + [0, 0, 0, 0, 2] + [0, 0, 0, 0] + [0])
        #expect(try MessageCodec.decode(type: MessageType.assignJob.rawValue, body: fullBody) == .assignJob(withArtifacts))
        // The list is required: an assignment that stops after the timeout is truncated.
        #expect(decodeError(.assignJob, Array(plainBody.dropLast(9)))?.malformedField == "artifacts")
    }

    @Test("names that are not one portable path component are malformed",
          arguments: ["", ".", "..", "a/b", "../x", "sp ace", "naïve", "a\\b", "x\u{0}"])
    func badNames(_ name: String) {
        let begin = MessageCodec.encodeBody(.artifactBegin(ArtifactBegin(job: Self.job, artifactID: 0, name: name,
                                                                          relativePath: "a", kind: .file, size: 0)))
        #expect(decodeError(.artifactBegin, begin)?.malformedField == "name")
        let fetch = MessageCodec.encodeBody(.fetchArtifact(FetchArtifact(runID: "r", name: name)))
        #expect(decodeError(.fetchArtifact, fetch)?.malformedField == "name")
        let data = MessageCodec.encodeBody(.artifactData(ArtifactData(runID: "r", name: name, offset: 0, data: [], isLast: true)))
        #expect(decodeError(.artifactData, data)?.malformedField == "name")
    }

    @Test("a 255-byte name is accepted; 256 bytes exceed the limit")
    func nameLength() {
        func begin(_ count: Int) -> [UInt8] {
            MessageCodec.encodeBody(.artifactBegin(ArtifactBegin(job: Self.job, artifactID: 0,
                                                                 name: String(repeating: "n", count: count),
                                                                 relativePath: "a", kind: .file, size: 0)))
        }
        #expect(decodeError(.artifactBegin, begin(255)) == nil)
        #expect(decodeError(.artifactBegin, begin(256))
            == .limitExceeded(message: .artifactBegin, field: "name", size: 256, limit: 255))
    }

    @Test("relative paths must be relative, without '.', '..' or empty components",
          arguments: ["/etc/passwd", "a//b", "a/../b", "./a", "a/.", "a/", "dir/with space", ""])
    func badRelativePaths(_ path: String) {
        let begin = MessageCodec.encodeBody(.artifactBegin(ArtifactBegin(job: Self.job, artifactID: 0, name: "ok",
                                                                          relativePath: path, kind: .file, size: 0)))
        #expect(decodeError(.artifactBegin, begin)?.malformedField == "relativePath")
        let record = ArtifactSummary(name: "ok", jobID: "j", relativePath: path, kind: .file, size: 0,
                                    sha256: String(repeating: "a", count: 64))
        let stored = MessageCodec.encodeBody(.artifactStored(ArtifactStored(runID: "r", record: record)))
        #expect(decodeError(.artifactStored, stored)?.malformedField == "record.relativePath")
    }

    @Test("digests must be 64 lowercase hex digits",
          arguments: [String(repeating: "A", count: 64), String(repeating: "a", count: 63), String(repeating: "g", count: 64), ""])
    func badDigests(_ sha: String) {
        let end = MessageCodec.encodeBody(.artifactEnd(ArtifactEnd(job: Self.job, artifactID: 0, sha256: sha)))
        #expect(decodeError(.artifactEnd, end)?.malformedField == "sha256")
        let list = ArtifactList(runID: "r", artifacts: [ArtifactSummary(name: "n", jobID: "j", relativePath: "n",
                                                                       kind: .file, size: 1, sha256: sha)])
        #expect(decodeError(.artifactList, MessageCodec.encodeBody(.artifactList(list)))?.malformedField == "artifacts[].sha256")
    }

    @Test("unknown kinds and ack statuses are malformed")
    func unknownEnums() {
        for bad: UInt8 in [0, 5, 0xFF] {
            var begin = MessageCodec.encodeBody(.artifactBegin(ArtifactBegin(job: Self.job, artifactID: 0, name: "n",
                                                                              relativePath: "n", kind: .sarif, size: 9)))
            begin[begin.count - 9] = bad // kind, before the 8-byte size
            #expect(decodeError(.artifactBegin, begin)?.malformedField == "kind")

            var ack = MessageCodec.encodeBody(.artifactAck(ArtifactAck(job: Self.job, artifactID: 0, status: .stored, message: "")))
            ack[ack.count - 5] = bad == 5 ? 4 : bad // status, before the 4-byte message length
            #expect(decodeError(.artifactAck, ack)?.malformedField == "status")

            let request = body {
                Self.job.encodeForTest(into: &$0); $0.writeString(""); $0.writeString(""); $0.writeU64(0)
                $0.writeU32(0); $0.writeU32(0); $0.writeU64(0)
                $0.writeU32(1); $0.writeString("p"); $0.writeString(""); $0.writeU8(bad)
            }
            #expect(decodeError(.assignJob, request)?.malformedField == "artifacts[].kind")
        }
    }

    @Test("chunk data is limited to 256 KiB; a full chunk fits a default frame")
    func chunkLimits() throws {
        func chunk(_ size: Int) -> Message {
            .artifactChunk(ArtifactChunk(job: Self.job, artifactID: 1, offset: 1 << 40,
                                         data: [UInt8](repeating: 0xA5, count: size)))
        }
        var decoder = FrameDecoder()
        decoder.append(FrameEncoder.encode(chunk(ArtifactChunk.maxDataBytes)))
        #expect(try decoder.nextMessage() == chunk(ArtifactChunk.maxDataBytes))
        #expect(decodeError(.artifactChunk, MessageCodec.encodeBody(chunk(ArtifactChunk.maxDataBytes + 1)))
            == .limitExceeded(message: .artifactChunk, field: "data", size: ArtifactChunk.maxDataBytes + 1,
                              limit: ArtifactChunk.maxDataBytes))
        let data = Message.artifactData(ArtifactData(runID: "r", name: "n", offset: 0,
                                                     data: [UInt8](repeating: 0, count: ArtifactChunk.maxDataBytes + 1),
                                                     isLast: true))
        #expect(decodeError(.artifactData, MessageCodec.encodeBody(data))?.limitField == "data")
    }

    @Test("every strict prefix of an artifact body is malformed", arguments: SampleMessages.artifacts)
    func truncated(_ message: Message) {
        let full = MessageCodec.encodeBody(message)
        for length in 0..<full.count {
            #expect(decodeError(message.messageType, Array(full[0..<length]))?.malformedMessage == message.messageType)
        }
    }

    @Test("bad bools in ArtifactList and ArtifactData are malformed")
    func badBools() {
        var list = MessageCodec.encodeBody(.artifactList(ArtifactList(runID: "r", artifacts: [])))
        list[list.count - 1] = 2
        #expect(decodeError(.artifactList, list)?.malformedField == "isLast")
        var data = MessageCodec.encodeBody(.artifactData(ArtifactData(runID: "r", name: "n", offset: 0, data: [], isLast: false)))
        data[data.count - 1] = 7
        #expect(decodeError(.artifactData, data)?.malformedField == "isLast")
    }

    @Test("uploads flow agent to coordinator, acks back, listing and data to clients only")
    func directions() {
        for type: MessageType in [.artifactBegin, .artifactChunk, .artifactEnd] {
            #expect(type.isAllowed(from: .agent, to: .coordinator))
            #expect(!type.isAllowed(from: .client, to: .coordinator))
            #expect(!type.isAllowed(from: .coordinator, to: .agent))
            #expect(!type.isAllowed(from: .coordinator, to: .client))
        }
        #expect(MessageType.artifactRefused.isAllowed(from: .agent, to: .coordinator))
        #expect(MessageType.artifactRefused.isAllowed(from: .coordinator, to: .client))
        #expect(!MessageType.artifactRefused.isAllowed(from: .client, to: .coordinator))
        #expect(MessageType.artifactAck.isAllowed(from: .coordinator, to: .agent))
        #expect(!MessageType.artifactAck.isAllowed(from: .coordinator, to: .client))
        #expect(!MessageType.artifactAck.isAllowed(from: .agent, to: .coordinator))
        for type: MessageType in [.listArtifacts, .fetchArtifact] {
            #expect(type.isAllowed(from: .client, to: .coordinator))
            #expect(!type.isAllowed(from: .agent, to: .coordinator))
        }
        for type: MessageType in [.artifactStored, .artifactList, .artifactData] {
            #expect(type.isAllowed(from: .coordinator, to: .client))
            #expect(!type.isAllowed(from: .coordinator, to: .agent))
            #expect(!type.isAllowed(from: .agent, to: .coordinator))
        }
    }
}

@Suite("Artifact naming rules")
struct ArtifactNamingTests {
    @Test("valid names and paths")
    func valid() {
        for name in ["a", "junit.xml", "report-2.xml", "..a", "a..", "_", String(repeating: "z", count: 255)] {
            #expect(ArtifactNaming.isValidName(name), "\(name)")
        }
        for path in ["a", "build/reports/junit.xml", ".hidden/.file", "a/b/c/d/e"] {
            #expect(ArtifactNaming.isValidRelativePath(path), "\(path)")
        }
        #expect(ArtifactNaming.isSHA256Hex(SHA256Examples.empty))
    }

    @Test("invalid names and paths")
    func invalid() {
        for name in ["", ".", "..", "a/b", "a b", "é", String(repeating: "z", count: 256)] {
            #expect(!ArtifactNaming.isValidName(name), "\(name)")
        }
        for path in ["", "/a", "a/", "a//b", "a/../b", "../a", "./a", "a b/c", String(repeating: "a/", count: 2_049) + "a"] {
            #expect(!ArtifactNaming.isValidRelativePath(path), "\(path)")
        }
    }

    @Test("kinds have stable names")
    func kindNames() {
        #expect(ArtifactKindCode.allCases.map(\.name) == ["file", "junit", "coverage", "sarif"])
        #expect(ArtifactKindCode.allCases.map(\.rawValue) == [1, 2, 3, 4])
        #expect(ArtifactKindCode(name: "junit") == .junit)
        #expect(ArtifactKindCode(name: "JUnit") == nil)
    }
}

private enum SHA256Examples {
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
