import Testing
import TestSupport
import WireProtocol

/// Seeded random inputs: the decoder yields messages or a ProtocolError, never a crash, and
/// the result does not depend on how the input is split.
@Suite("Random decoder input")
struct RandomInputTests {
    /// Whatever decodes must re-encode to exactly the bytes it came from: the encoding is
    /// canonical (strict tags, bools, enums, no trailing bytes), so a decoder that accepted
    /// a non-canonical frame would show up here.
    private func expectCanonical(_ input: [UInt8], _ outcome: DecoderVerifier.Outcome) {
        var writer = ByteWriter()
        for message in outcome.messages { FrameEncoder.encode(message, into: &writer) }
        #expect(writer.bytes.count <= input.count)
        #expect(writer.bytes[...] == input.prefix(writer.bytes.count), "decoded messages do not re-encode to their input")
    }

    @Test("20 000 random byte strings", arguments: [UInt64(0x5EED_0001), 0x5EED_0002])
    func randomBytes(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let types = MessageType.allCases.map(\.rawValue)
        var outcomes = (messages: 0, errors: 0)
        for round in 0..<10_000 {
            var input: [UInt8]
            switch round % 4 {
            case 0:
                // Fully random: almost always an oversized length.
                input = random.bytes(Int.random(in: 0...48, using: &random))
            default:
                // A plausible header (small length, known type) before random body bytes,
                // so the body decoders are exercised, not only the length check.
                let bodyLength = Int.random(in: 0...40, using: &random)
                input = [0, 0, 0, UInt8(bodyLength + 1), types.randomElement(using: &random)!]
                input += random.bytes(bodyLength + Int.random(in: 0...8, using: &random))
            }
            let outcome = try DecoderVerifier.verifyConsistent(input, seeds: [UInt64(round)])
            expectCanonical(input, outcome)
            outcomes.messages += outcome.messages.count
            if outcome.error != nil { outcomes.errors += 1 }
        }
        // The generator must reach both results, or the test is not testing the decoder.
        #expect(outcomes.messages > 0)
        #expect(outcomes.errors > 0)
    }

    @Test("random mutations of valid frames", arguments: [UInt64(11), 12, 13])
    func mutatedFrames(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var decodedMutants = 0
        for round in 0..<2_000 {
            let index = round % sampleFrames.count
            var input = sampleFrames[index]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                mutate(&input, using: &random)
            }
            // A second valid frame behind the mutant checks that a decodable mutant keeps framing.
            input += sampleFrames[(index + 1) % sampleFrames.count]
            let outcome = try DecoderVerifier.verifyConsistent(input, seeds: [seed &+ UInt64(round)])
            expectCanonical(input, outcome)
            if outcome.error == nil && !outcome.messages.isEmpty { decodedMutants += 1 }
        }
        #expect(decodedMutants > 0)
    }

    private func mutate(_ bytes: inout [UInt8], using random: inout SplitMix64) {
        guard !bytes.isEmpty else { bytes.append(UInt8.random(in: 0...255, using: &random)); return }
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        case 1: bytes[position] = [0, 1, 2, 0x7F, 0x80, 0xFF].randomElement(using: &random)!
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
        case 3: bytes.remove(at: position)
        default: bytes.removeLast(Int.random(in: 0...min(8, bytes.count), using: &random))
        }
    }
}
