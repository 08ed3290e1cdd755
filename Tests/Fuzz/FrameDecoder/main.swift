// libFuzzer harness for WireProtocol's FrameDecoder (and the handshake machines behind it).
//
// Not a SwiftPM target: run-frame-decoder-fuzz.sh compiles it together with Protocol/*.swift
// using `swiftc -sanitize=fuzzer,address`. A crash, an AddressSanitizer report or one of the
// `fatalError`s below (an invariant the unit tests also check) is a finding.

/// Everything one decoder produced from one input.
private struct Outcome: Equatable {
    var messages: [Message] = []
    var error: ProtocolError?
    var leftover = 0
}

/// Decodes `bytes` fed in pieces of `pieceSize`, draining after every append like a driver.
private func decode(_ bytes: [UInt8], pieceSize: Int, limits: ProtocolLimits) -> Outcome {
    var decoder = FrameDecoder(limits: limits)
    var outcome = Outcome()
    var start = 0
    while start < bytes.count || start == 0 {
        let end = min(bytes.count, start + max(1, pieceSize))
        decoder.append(bytes[start..<end])
        start = end
        if outcome.error == nil {
            do {
                while let message = try decoder.nextMessage() { outcome.messages.append(message) }
            } catch {
                outcome.error = error
            }
        }
        if start >= bytes.count { break }
    }
    if let error = outcome.error {
        do {
            _ = try decoder.nextMessage()
            fatalError("decoder recovered after \(error)")
        } catch let again {
            if again != error { fatalError("decoder error changed from \(error) to \(again)") }
        }
    }
    outcome.leftover = decoder.bufferedByteCount
    return outcome
}

/// Drives both handshake machines with the decoded messages; they must never trap.
private func exerciseHandshakes(_ messages: [Message]) {
    var server = ServerHandshake(certificateRole: .agent, certificateName: "agent-07", coordinatorName: "fuzz",
                                 heartbeatIntervalMillis: 1_000, heartbeatTimeoutMillis: 3_000)
    var client = ClientHandshake(hello: Hello(minVersion: 1, maxVersion: 1, role: .client, name: "fuzz"))
    var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: 0)
    for (index, message) in messages.enumerated() {
        _ = server.received(message)
        _ = client.received(message)
        let now = UInt64(index) * 700
        liveness.messageReceived(now: now)
        _ = liveness.tick(now: now + 500)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = count == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    let limits = ProtocolLimits.default
    let whole = decode(bytes, pieceSize: bytes.count, limits: limits)

    // Splitting the input must not change the result.
    let split = 1 + (bytes.first.map(Int.init) ?? 0) % 17
    if decode(bytes, pieceSize: split, limits: limits) != whole { fatalError("result depends on split size \(split)") }
    if bytes.count <= 512 && decode(bytes, pieceSize: 1, limits: limits) != whole {
        fatalError("result differs when fed one byte at a time")
    }

    // The encoding is canonical: what decoded must re-encode to exactly the bytes it came from.
    var writer = ByteWriter()
    for message in whole.messages { FrameEncoder.encode(message, into: &writer) }
    if !bytes.starts(with: writer.bytes) { fatalError("decoded messages do not re-encode to their input") }

    // Tight limits exercise the limit paths on small inputs.
    let tight = ProtocolLimits(maxFrameBytes: 64, maxStringBytes: 8, maxPipelineTextBytes: 16, maxListCount: 2,
                               maxLogChunkBytes: 4, maxBundleChunkBytes: 4)
    _ = decode(bytes, pieceSize: split, limits: tight)

    exerciseHandshakes(whole.messages)
    return 0
}
