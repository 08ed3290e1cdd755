import Testing
import TestSupport
import WireProtocol

@Suite("Message codec round trips")
struct CodecRoundTripTests {
    @Test("the samples cover every message type")
    func samplesCoverEveryType() {
        let covered = Set(SampleMessages.all.map(\.messageType))
        #expect(covered == Set(MessageType.allCases))
    }

    @Test("body encode then decode gives the same message", arguments: SampleMessages.all)
    func bodyRoundTrip(_ message: Message) throws {
        let encoded = MessageCodec.encodeBody(message)
        let decoded = try MessageCodec.decode(type: message.messageType.rawValue, body: encoded)
        #expect(decoded == message)
    }

    @Test("a frame carries length, type byte and body", arguments: SampleMessages.all)
    func frameLayout(_ message: Message) throws {
        let frame = FrameEncoder.encode(message)
        let body = MessageCodec.encodeBody(message)
        let length = frame[0..<4].reduce(0) { $0 << 8 | Int($1) }
        #expect(length == body.count + 1)
        #expect(frame[4] == message.messageType.rawValue)
        #expect(Array(frame[5...]) == body)

        var decoder = FrameDecoder()
        decoder.append(frame)
        #expect(try decoder.nextMessage() == message)
        #expect(try decoder.nextMessage() == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("decode accepts an array slice that does not start at index 0")
    func decodeFromOffsetSlice() throws {
        let message = Message.cancelJob(CancelJob(job: SampleMessages.job, reason: "ü"))
        let padded = [0xAA, 0xBB] + MessageCodec.encodeBody(message) + [0xCC]
        let slice = padded[2..<(padded.count - 1)]
        #expect(try MessageCodec.decode(type: MessageType.cancelJob.rawValue, body: slice) == message)
    }

    @Test("heartbeat frame bytes match PROTOCOL.md")
    func heartbeatGolden() {
        let frame = FrameEncoder.encode(.heartbeat(Heartbeat(sequence: 0x0102_0304_0506_0708)))
        #expect(frame == [0, 0, 0, 9, 0x03, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test("error frame bytes match PROTOCOL.md")
    func errorGolden() {
        let frame = FrameEncoder.encode(.error(ProtocolErrorMessage(code: .unexpectedMessage, message: "hé")))
        // length 10 = type 1 + code 2 + string length 4 + 3 UTF-8 bytes
        #expect(frame == [0, 0, 0, 10, 0x04, 0x00, 0x05, 0, 0, 0, 3, 0x68, 0xC3, 0xA9])
    }

    @Test("client hello bytes match PROTOCOL.md")
    func helloGolden() {
        let hello = Hello(minVersion: 1, maxVersion: 1, role: .client, name: "cli")
        let expectedBody: [UInt8] = [
            0x46, 0x4C, 0x4F, 0x54, // magic "FLOT"
            0x00, 0x01, 0x00, 0x01, // minVersion, maxVersion
            0x03, // role client
            0, 0, 0, 3, 0x63, 0x6C, 0x69, // name "cli"
            0, 0, 0, 0, // labels: 0 elements
            0, 0, 0, 0, // capacity
            0x00, // fingerprint: absent
            0, 0, 0, 0, // runningJobs: 0 elements
            0, 0, 0, 0, // machineClass: empty string
        ]
        #expect(MessageCodec.encodeBody(.hello(hello)) == expectedBody)
    }

    @Test("optional exit code: absent is one zero byte, present is 1 then i32")
    func optionalGolden() {
        func summary(_ code: Int32?) -> [UInt8] {
            let run = RunFinished(runID: "", outcome: .succeeded, jobs: [
                JobSummary(jobID: "", name: "", agentName: "", state: .succeeded, durationMillis: 0,
                           exitCode: code, attempts: 0),
            ])
            return MessageCodec.encodeBody(.runFinished(run))
        }
        let prefix: [UInt8] = [0, 0, 0, 0, 0x01, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 12) + [0x04] + [UInt8](repeating: 0, count: 8)
        let attemptsAndEmptyVerdict: [UInt8] = [0, 0, 0, 0] + [0, 0, 0, 0]
        #expect(summary(nil) == prefix + [0x00] + attemptsAndEmptyVerdict)
        #expect(summary(-2) == prefix + [0x01, 0xFF, 0xFF, 0xFF, 0xFE] + attemptsAndEmptyVerdict)
    }

    @Test("primitives round-trip at their extremes")
    func primitiveExtremes() throws {
        var writer = ByteWriter()
        writer.writeU8(.max)
        writer.writeU16(0xBEEF)
        writer.writeU32(.max)
        writer.writeU64(.max - 1)
        writer.writeI32(.min)
        writer.writeI32(-1)
        writer.writeBool(true)
        writer.writeBool(false)
        writer.writeString("")
        writer.writeString("𝄞 clef, 中文, e\u{301}")
        writer.writeBytes([0, 255])
        writer.writeOptional(nil as UInt32?) { $0.writeU32($1) }
        writer.writeOptional(7 as UInt32?) { $0.writeU32($1) }
        writer.writeArray(["a", "", "ß"]) { $0.writeString($1) }

        var reader = ByteReader(writer.bytes[...], message: .heartbeat)
        #expect(try reader.readU8("a") == .max)
        #expect(try reader.readU16("b") == 0xBEEF)
        #expect(try reader.readU32("c") == .max)
        #expect(try reader.readU64("d") == .max - 1)
        #expect(try reader.readI32("e") == .min)
        #expect(try reader.readI32("f") == -1)
        #expect(try reader.readBool("g") == true)
        #expect(try reader.readBool("h") == false)
        #expect(try reader.readString("i", maxBytes: 10) == "")
        #expect(try reader.readString("j", maxBytes: 100) == "𝄞 clef, 中文, e\u{301}")
        #expect(try reader.readBytes("k", maxBytes: 2) == [0, 255])
        #expect(try reader.readOptional("l") { (r: inout ByteReader) throws(ProtocolError) in try r.readU32("l") } == nil)
        #expect(try reader.readOptional("m") { (r: inout ByteReader) throws(ProtocolError) in try r.readU32("m") } == 7)
        let strings = try reader.readArray("n", maxCount: 3, minElementBytes: 4) { (r: inout ByteReader) throws(ProtocolError) in
            try r.readString("n[]", maxBytes: 8)
        }
        #expect(strings == ["a", "", "ß"])
        #expect(reader.remaining == 0)
        try reader.expectEnd()
    }

    @Test("a string's length prefix counts UTF-8 bytes, not characters")
    func stringLengthIsBytes() {
        var writer = ByteWriter()
        writer.writeString("é🐧")
        #expect(writer.bytes == [0, 0, 0, 6, 0xC3, 0xA9, 0xF0, 0x9F, 0x90, 0xA7])
    }

    @Test("several frames share one buffer")
    func framesIntoOneWriter() throws {
        let frames = SampleMessages.allFramed
        #expect(frames == sampleFrames.flatMap { $0 })
    }
}
