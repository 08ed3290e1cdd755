import Testing
import TestSupport
import WireProtocol

@Suite("Frame decoder")
struct FrameDecoderTests {
    @Test("all sample frames decode the same whole, byte by byte and in random splits")
    func samplesAnySplit() throws {
        try DecoderVerifier.verify(SampleMessages.allFramed, yields: SampleMessages.all, seeds: [1, 7, 42, 1_000_003])
    }

    @Test("a partial frame is never consumed: nil until its last byte arrives", arguments: SampleMessages.all)
    func partialFrameWaits(_ message: Message) throws {
        let frame = FrameEncoder.encode(message)
        var decoder = FrameDecoder()
        for (index, byte) in frame.enumerated() {
            decoder.append(CollectionOfOne(byte))
            if index < frame.count - 1 {
                #expect(try decoder.nextMessage() == nil)
                #expect(decoder.bufferedByteCount == index + 1)
            }
        }
        #expect(try decoder.nextMessage() == message)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("an oversized length is rejected as soon as the 4 length bytes arrive")
    func oversizedLengthRejectedEarly() throws {
        let limit = ProtocolLimits.default.maxFrameBytes
        var header = ByteWriter()
        header.writeU32(limit + 1)
        var decoder = FrameDecoder()
        decoder.append(header.bytes[0..<3])
        #expect(try decoder.nextMessage() == nil)
        decoder.append(header.bytes[3...])
        #expect(decoder.error == .frameTooLarge(length: limit + 1, limit: limit))
        #expect(decoder.bufferedByteCount == 0)
        #expect(throws: ProtocolError.frameTooLarge(length: limit + 1, limit: limit)) { try decoder.nextMessage() }
        // Whatever follows is discarded, not buffered.
        decoder.append([UInt8](repeating: 0, count: 10_000))
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a length exactly at the limit is accepted and waited for")
    func lengthAtLimitWaits() throws {
        let limits = ProtocolLimits(maxFrameBytes: 100)
        var decoder = FrameDecoder(limits: limits)
        decoder.append([0, 0, 0, 100, MessageType.runRejected.rawValue])
        #expect(try decoder.nextMessage() == nil)
        var writer = ByteWriter()
        writer.writeString(String(repeating: "r", count: 95))
        decoder.append(writer.bytes)
        #expect(try decoder.nextMessage() == .runRejected(RunRejected(reason: String(repeating: "r", count: 95))))
    }

    @Test("the maximum 32-bit length is refused without trapping")
    func maximumLength() throws {
        try DecoderVerifier.verify([0xFF, 0xFF, 0xFF, 0xFF, 0x03], yields: [],
                                   thenError: .frameTooLarge(length: .max, limit: ProtocolLimits.default.maxFrameBytes))
    }

    @Test("a zero length frame is refused")
    func zeroLength() throws {
        try DecoderVerifier.verify([0, 0, 0, 0], yields: [], thenError: .emptyFrame)
        let valid = FrameEncoder.encode(.heartbeat(Heartbeat(sequence: 1)))
        try DecoderVerifier.verify(valid + [0, 0, 0, 0] + valid, yields: [.heartbeat(Heartbeat(sequence: 1))], thenError: .emptyFrame)
    }

    @Test("an unknown type is refused as soon as the type byte arrives, before the body")
    func unknownTypeEarly() throws {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 1, 0, 0x7E])
        #expect(throws: ProtocolError.unknownMessageType(0x7E)) { try decoder.nextMessage() }
        try DecoderVerifier.verify([0, 0, 0, 1, 0x00], yields: [], thenError: .unknownMessageType(0))
    }

    @Test("a malformed body fails the stream after the good frames before it")
    func malformedBodyAfterGoodFrames() throws {
        let good = FrameEncoder.encode(.jobStarted(JobStarted(job: SampleMessages.job)))
        var bad = FrameEncoder.encode(.bundleChunk(BundleChunk(sha256: "s", offset: 0, data: [1], isLast: false)))
        bad[bad.count - 1] = 7
        try DecoderVerifier.verify(good + good + bad + good, yields: [.jobStarted(JobStarted(job: SampleMessages.job)),
                                                                     .jobStarted(JobStarted(job: SampleMessages.job))],
                                   thenError: .malformed(message: .bundleChunk, field: "isLast", reason: "bool byte 7 is not 0 or 1"))
    }

    @Test("after an error the decoder stays failed")
    func failureIsSticky() {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, 0])
        #expect(throws: ProtocolError.emptyFrame) { try decoder.nextMessage() }
        decoder.append(FrameEncoder.encode(.heartbeat(Heartbeat(sequence: 3))))
        #expect(throws: ProtocolError.emptyFrame) { try decoder.nextMessage() }
        #expect(throws: ProtocolError.emptyFrame) { try decoder.nextMessage() }
        #expect(decoder.error == .emptyFrame)
    }

    @Test("a trailing partial frame stays buffered")
    func trailingPartialFrame() throws {
        let frame = FrameEncoder.encode(.runRejected(RunRejected(reason: "no agent has labels [gpu]")))
        try DecoderVerifier.verify(frame + frame[0..<7], yields: [.runRejected(RunRejected(reason: "no agent has labels [gpu]"))],
                                   leftoverBytes: 7)
    }

    @Test("ten thousand frames in one buffer all decode, in order")
    func manyFramesInOneBuffer() throws {
        var writer = ByteWriter()
        for sequence in 0..<10_000 { FrameEncoder.encode(.heartbeat(Heartbeat(sequence: UInt64(sequence))), into: &writer) }
        var decoder = FrameDecoder()
        decoder.append(writer.bytes)
        var next: UInt64 = 0
        while let message = try decoder.nextMessage() {
            #expect(message == .heartbeat(Heartbeat(sequence: next)))
            next += 1
        }
        #expect(next == 10_000)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a long stream in uneven reads keeps the buffer bounded")
    func bufferStaysBounded() throws {
        let frame = FrameEncoder.encode(.logChunk(LogChunk(job: SampleMessages.job, sequence: 9, stepIndex: 1,
                                                           stream: .stdout, data: [UInt8](repeating: 0x2E, count: 300))))
        var stream: [UInt8] = []
        for _ in 0..<2_000 { stream += frame }
        var decoder = FrameDecoder()
        var decoded = 0
        var start = 0
        var read = 1
        while start < stream.count {
            let end = min(stream.count, start + read)
            decoder.append(stream[start..<end])
            start = end
            read = read % 997 + 13 // uneven read sizes that straddle frames
            while try decoder.nextMessage() != nil { decoded += 1 }
            #expect(decoder.bufferedByteCount < frame.count)
        }
        #expect(decoded == 2_000)
    }
}
