import WireProtocol

/// Checks that a `FrameDecoder` gives the same result however the input is split.
///
/// A stream decoder must not care where the transport's reads happen to end. The verifier
/// decodes the same bytes whole, one byte at a time, and in seeded random splits, draining
/// the decoder after every append as a real driver does, and compares the outcomes.
public enum DecoderVerifier {
    /// Everything a decoder produced from one input.
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        /// The messages in order, up to the first error.
        public var messages: [Message]
        /// The error that stopped the decoder, if any.
        public var error: ProtocolError?
        /// Bytes still buffered at the end (a trailing partial frame).
        public var leftoverBytes: Int

        public init(messages: [Message], error: ProtocolError?, leftoverBytes: Int) {
            self.messages = messages; self.error = error; self.leftoverBytes = leftoverBytes
        }

        public var description: String {
            "\(messages.count) messages, error: \(error.map(String.init(describing:)) ?? "none"), "
                + "\(leftoverBytes) leftover bytes"
        }
    }

    /// Two ways of feeding the same input disagreed, or the result was not the one expected.
    public struct Mismatch: Error, CustomStringConvertible {
        /// How the input was split when the difference showed (e.g. "one byte at a time").
        public var strategy: String
        public var expected: Outcome
        public var actual: Outcome

        public var description: String {
            "decoding \(strategy) gave \(actual); expected \(expected)"
                + firstDifference(expected.messages, actual.messages)
        }
    }

    /// Decodes `bytes` fed in pieces of the given sizes (the rest in one last piece).
    ///
    /// After each append the decoder is drained until it returns nil or throws; after an
    /// error the remaining input is still appended and `nextMessage` must keep throwing it.
    public static func decode(_ bytes: [UInt8], pieceSizes: [Int],
                              limits: ProtocolLimits = .default) throws(Mismatch) -> Outcome {
        var decoder = FrameDecoder(limits: limits)
        var messages: [Message] = []
        var error: ProtocolError?
        var start = 0
        var pieces = pieceSizes.makeIterator()
        while start < bytes.count {
            let size = max(1, pieces.next() ?? bytes.count - start)
            let end = min(bytes.count, start + size)
            decoder.append(bytes[start..<end])
            start = end
            drain(&decoder, into: &messages, error: &error)
        }
        drain(&decoder, into: &messages, error: &error)
        if let error {
            // The failure must be sticky: the same error again, whatever else arrives.
            decoder.append([0, 0, 0, 1, MessageType.heartbeat.rawValue])
            let again: ProtocolError?
            do { _ = try decoder.nextMessage(); again = nil } catch { again = error }
            if again != error {
                let expected = Outcome(messages: messages, error: error, leftoverBytes: 0)
                throw Mismatch(strategy: "after failure (error not sticky)", expected: expected,
                               actual: Outcome(messages: messages, error: again, leftoverBytes: decoder.bufferedByteCount))
            }
        }
        return Outcome(messages: messages, error: error, leftoverBytes: decoder.bufferedByteCount)
    }

    /// Decodes `bytes` whole, byte by byte and in random splits for each seed; returns the
    /// shared outcome.
    /// - Throws: `Mismatch` when any two ways disagree.
    @discardableResult
    public static func verifyConsistent(_ bytes: [UInt8], seeds: [UInt64] = [1, 2, 3],
                                        limits: ProtocolLimits = .default) throws(Mismatch) -> Outcome {
        let whole = try decode(bytes, pieceSizes: [bytes.count], limits: limits)
        try check("one byte at a time", expected: whole,
                  actual: decode(bytes, pieceSizes: Array(repeating: 1, count: bytes.count), limits: limits))
        for seed in seeds {
            try check("in random splits (seed \(seed))", expected: whole,
                      actual: decode(bytes, pieceSizes: randomPieceSizes(total: bytes.count, seed: seed), limits: limits))
        }
        return whole
    }

    /// Verifies that every way of feeding `bytes` yields exactly `messages`, then `error`.
    /// - Throws: `Mismatch` naming the first feeding strategy that differs.
    public static func verify(_ bytes: [UInt8], yields messages: [Message], thenError error: ProtocolError? = nil,
                              leftoverBytes: Int = 0, seeds: [UInt64] = [1, 2, 3],
                              limits: ProtocolLimits = .default) throws(Mismatch) {
        let expected = Outcome(messages: messages, error: error, leftoverBytes: error == nil ? leftoverBytes : 0)
        try check("as one piece", expected: expected, actual: decode(bytes, pieceSizes: [bytes.count], limits: limits))
        try verifyConsistent(bytes, seeds: seeds, limits: limits)
    }

    /// Piece sizes between 1 and 64 bytes summing to at least `total`, from a seed.
    public static func randomPieceSizes(total: Int, seed: UInt64) -> [Int] {
        var random = SplitMix64(seed: seed)
        var sizes: [Int] = []
        var covered = 0
        while covered < total {
            let size = Int.random(in: 1...64, using: &random)
            sizes.append(size)
            covered += size
        }
        return sizes
    }

    private static func drain(_ decoder: inout FrameDecoder, into messages: inout [Message],
                              error: inout ProtocolError?) {
        guard error == nil else { return }
        do {
            while let message = try decoder.nextMessage() { messages.append(message) }
        } catch let thrown {
            error = thrown
        }
    }

    private static func check(_ strategy: String, expected: Outcome, actual: Outcome) throws(Mismatch) {
        if actual != expected { throw Mismatch(strategy: strategy, expected: expected, actual: actual) }
    }
}

private func firstDifference(_ expected: [Message], _ actual: [Message]) -> String {
    for (index, pair) in zip(expected, actual).enumerated() where pair.0 != pair.1 {
        return "; first difference at message \(index): expected \(pair.0), got \(pair.1)"
    }
    return ""
}
