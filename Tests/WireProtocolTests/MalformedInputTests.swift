import Testing
import TestSupport
import WireProtocol

@Suite("Malformed message bodies")
struct MalformedInputTests {
    @Test("every strict prefix of a body is malformed for that message", arguments: SampleMessages.all)
    func truncatedBodies(_ message: Message) {
        let full = MessageCodec.encodeBody(message)
        for length in 0..<full.count {
            let error = decodeError(message.messageType, Array(full[0..<length]))
            #expect(error?.malformedMessage == message.messageType, "prefix of \(length)/\(full.count) bytes: \(String(describing: error))")
        }
    }

    @Test("trailing bytes after a body are malformed", arguments: SampleMessages.all)
    func trailingBytes(_ message: Message) {
        let error = decodeError(message.messageType, MessageCodec.encodeBody(message) + [0])
        #expect(error == .malformed(message: message.messageType, field: "(end)", reason: "1 trailing bytes after the body"))
    }

    @Test("a bool byte other than 0 or 1 is malformed", arguments: [UInt8(2), 0x80, 0xFF])
    func badBool(_ byte: UInt8) {
        var bytes = MessageCodec.encodeBody(.bundleChunk(BundleChunk(sha256: "x", offset: 0, data: [], isLast: true)))
        bytes[bytes.count - 1] = byte
        #expect(decodeError(.bundleChunk, bytes)?.malformedField == "isLast")
    }

    @Test("an optional tag other than 0 or 1 is malformed")
    func badOptionalTag() {
        let hello = MessageCodec.encodeBody(.hello(SampleMessages.clientHello))
        var bytes = hello
        bytes[bytes.count - 9] = 2 // fingerprint tag, before the runningJobs count and the machineClass length
        #expect(decodeError(.hello, bytes)?.malformedField == "fingerprint")
    }

    @Test("unknown enum raw values are malformed")
    func unknownEnumValues() {
        let jobEvent = body {
            $0.writeString("r"); $0.writeString("j"); $0.writeU8(0); $0.writeString("a"); $0.writeString("d")
        }
        #expect(decodeError(.jobEvent, jobEvent)?.malformedField == "state")

        var hello = MessageCodec.encodeBody(.hello(SampleMessages.clientHello))
        hello[8] = 9 // role
        #expect(decodeError(.hello, hello)?.malformedField == "role")

        let error = body { $0.writeU16(999); $0.writeString("x") }
        #expect(decodeError(.error, error)?.malformedField == "code")

        let run = body { $0.writeString("r"); $0.writeU8(0xFF); $0.writeU32(0) }
        #expect(decodeError(.runFinished, run)?.malformedField == "outcome")

        var log = MessageCodec.encodeBody(.logChunk(LogChunk(job: SampleMessages.job, sequence: 1, stepIndex: 0,
                                                           stream: .stdout, data: [])))
        log[log.count - 5] = 4 // stream, before the 4-byte data length
        #expect(decodeError(.logChunk, log)?.malformedField == "stream")
    }

    @Test("invalid UTF-8 in a string is malformed",
          arguments: [[0xC3, 0x28], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x61, 0xE2, 0x82]] as [[UInt8]])
    func invalidUTF8(_ bad: [UInt8]) {
        let bytes = body { $0.writeU32(UInt32(bad.count)); for byte in bad { $0.writeU8(byte) } }
        let error = decodeError(.runRejected, bytes)
        #expect(error == .malformed(message: .runRejected, field: "reason", reason: "invalid UTF-8"))
    }

    @Test("a string length larger than the remaining bytes is malformed, not a crash")
    func stringLengthPastEnd() {
        #expect(decodeError(.runRejected, [0xFF, 0xFF, 0xFF, 0xFF, 0x61])?.malformedField == "reason")
        #expect(decodeError(.runRejected, [0, 0, 0, 2, 0x61])?.malformedField == "reason")
        #expect(decodeError(.logChunk, body {
            SampleMessages.job.encodeForTest(into: &$0); $0.writeU64(0); $0.writeU32(0); $0.writeU8(1); $0.writeU32(.max)
        })?.malformedField == "data")
    }

    @Test("a huge list count is rejected without allocating")
    func hugeListCount() {
        let bytes = body { $0.writeString("run"); $0.writeU32(.max) }
        #expect(decodeError(.runAccepted, bytes) == .limitExceeded(message: .runAccepted, field: "jobs count",
                                                                    size: Int(UInt32.max), limit: 8_192))
        // With the count limit lifted, the remaining-bytes check still refuses before reserving.
        let unlimited = ProtocolLimits(maxListCount: .max)
        #expect(decodeError(.runAccepted, bytes, limits: unlimited)?.malformedField == "jobs")
        // A count within limits that the remaining bytes cannot hold: 8000 jobs in 8 bytes.
        let short = body { $0.writeString("run"); $0.writeU32(8_000); $0.writeU64(0) }
        #expect(decodeError(.runAccepted, short)?.malformedField == "jobs")
        let steps = body {
            SampleMessages.job.encodeForTest(into: &$0); $0.writeString(""); $0.writeString(""); $0.writeU64(0)
            $0.writeU32(0); $0.writeU32(UInt32.max); $0.writeU64(0)
        }
        #expect(decodeError(.assignJob, steps, limits: unlimited)?.malformedField == "steps")
    }

    @Test("unknown type byte is rejected by the codec", arguments: [UInt8(0x00), 0x05, 0x0F, 0x32, 0xFF])
    func unknownType(_ type: UInt8) {
        #expect(throws: ProtocolError.unknownMessageType(type)) {
            try MessageCodec.decode(type: type, body: [UInt8]())
        }
    }

    @Test("log chunk data is limited to LogChunk.maxDataBytes")
    func logChunkLimit() throws {
        func chunk(_ size: Int) -> Message {
            .logChunk(LogChunk(job: SampleMessages.job, sequence: 0, stepIndex: 0, stream: .stdout,
                               data: [UInt8](repeating: 0x41, count: size)))
        }
        let atLimit = chunk(LogChunk.maxDataBytes)
        #expect(try MessageCodec.decode(type: MessageType.logChunk.rawValue, body: MessageCodec.encodeBody(atLimit)) == atLimit)
        #expect(decodeError(.logChunk, MessageCodec.encodeBody(chunk(LogChunk.maxDataBytes + 1)))
            == .limitExceeded(message: .logChunk, field: "data", size: LogChunk.maxDataBytes + 1, limit: LogChunk.maxDataBytes))
    }

    @Test("a full 256 KiB bundle chunk fits a default frame; one byte more is refused")
    func bundleChunkLimit() throws {
        func chunk(_ size: Int) -> Message {
            .bundleChunk(BundleChunk(sha256: String(repeating: "f", count: 64), offset: 1 << 33,
                                     data: [UInt8](repeating: 0x5A, count: size), isLast: false))
        }
        let full = chunk(BundleChunk.maxDataBytes)
        var decoder = FrameDecoder()
        decoder.append(FrameEncoder.encode(full))
        #expect(try decoder.nextMessage() == full)
        #expect(decodeError(.bundleChunk, MessageCodec.encodeBody(chunk(BundleChunk.maxDataBytes + 1)))?.limitField == "data")
    }

    @Test("string fields are limited; pipeline text has its own larger limit")
    func stringLimits() throws {
        let limits = ProtocolLimits.default
        let long = String(repeating: "y", count: limits.maxStringBytes + 1)
        #expect(decodeError(.runRejected, MessageCodec.encodeBody(.runRejected(RunRejected(reason: long))))?.limitField == "reason")
        let atLimit = Message.runRejected(RunRejected(reason: String(repeating: "y", count: limits.maxStringBytes)))
        #expect(decodeError(.runRejected, MessageCodec.encodeBody(atLimit)) == nil)

        func submit(_ textBytes: Int) -> [UInt8] {
            MessageCodec.encodeBody(.submitRun(SubmitRun(pipelineFileName: "ci.yml",
                                                         pipelineText: String(repeating: "#", count: textBytes),
                                                         bundleSHA256: "", bundleSize: 0, sourceRevision: "")))
        }
        #expect(decodeError(.submitRun, submit(limits.maxPipelineTextBytes)) == nil)
        #expect(decodeError(.submitRun, submit(limits.maxPipelineTextBytes + 1))?.limitField == "pipelineText")
    }

    @Test("every error names its message and says something useful")
    func errorDescriptions() {
        let error = decodeError(.runRejected, [0, 0, 0, 9, 0x61])
        #expect(error?.description == "malformed runRejected message: reason: declares 9 bytes but only 1 remain")
        #expect(error?.wireCode == .malformedFrame)
    }
}

extension JobRef {
    /// The JobRef layout (runID, jobID, attempt), written by hand for hand-built bodies.
    func encodeForTest(into writer: inout ByteWriter) {
        writer.writeString(runID)
        writer.writeString(jobID)
        writer.writeU32(attempt)
    }
}
