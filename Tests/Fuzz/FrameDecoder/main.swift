// libFuzzer harness for WireProtocol's FrameDecoder (and the handshake machines behind it).
//
// Not a SwiftPM target: run-frame-decoder-fuzz.sh compiles it together with Protocol/*.swift
// using `swiftc -sanitize=fuzzer,address`. A crash, an AddressSanitizer report or one of the
// `fatalError`s below (an invariant the unit tests also check) is a finding.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// One small message of every type (bools both ways, optionals both ways), used as seeds.
private let seedMessages: [Message] = {
    let job = JobRef(runID: "r", jobID: "j", attempt: 1)
    let step = StepSpec(id: "s", name: "n", condition: "", run: "true", shell: .sh,
                        env: [EnvVar(name: "K", value: "v")], workingDirectory: "", timeoutMillis: 1, continueOnError: true)
    return [
        .hello(Hello(minVersion: 1, maxVersion: 1, role: .agent, name: "a", labels: ["l"], capacity: 1,
                     fingerprint: MachineFingerprint(os: "o", arch: "a", cpuModel: "c", cores: 1, memoryBytes: 1, kernel: "k"),
                     runningJobs: [job])),
        .hello(Hello(minVersion: 1, maxVersion: 1, role: .client, name: "c")),
        .welcome(Welcome(version: 1, coordinatorName: "c", heartbeatIntervalMillis: 1, heartbeatTimeoutMillis: 2)),
        .heartbeat(Heartbeat(sequence: 1)),
        .error(ProtocolErrorMessage(code: .malformedFrame, message: "m")),
        .submitRun(SubmitRun(pipelineFileName: "f", pipelineText: "t", bundleSHA256: "h", bundleSize: 1, sourceRevision: "r")),
        .runAccepted(RunAccepted(runID: "r", jobs: [PlannedJobSummary(jobID: "j", name: "n")])),
        .runRejected(RunRejected(reason: "r")),
        .jobEvent(JobEvent(runID: "r", jobID: "j", state: .running, agentName: "a", detail: "d")),
        .runFinished(RunFinished(runID: "r", outcome: .failed, jobs: [
            JobSummary(jobID: "j", name: "n", agentName: "a", state: .failed, durationMillis: 1, exitCode: 1, attempts: 1),
            JobSummary(jobID: "k", name: "n", agentName: "a", state: .skipped, durationMillis: 0, exitCode: nil, attempts: 0),
        ])),
        .assignJob(JobAssignment(job: job, name: "n", bundleSHA256: "h", bundleSize: 1, env: [EnvVar(name: "K", value: "v")],
                                 steps: [step, StepSpec(name: "m", run: "false")], timeoutMillis: 1)),
        .jobStarted(JobStarted(job: job)),
        .stepStarted(StepStarted(job: job, stepIndex: 1)),
        .stepFinished(StepFinished(job: job, stepIndex: 1, outcome: .failure, exitCode: -1, durationMillis: 1)),
        .logChunk(LogChunk(job: job, sequence: 1, stepIndex: 1, stream: .stderr, data: [0, 0xFF])),
        .jobFinished(JobFinished(job: job, outcome: .success, exitCode: 0, durationMillis: 1)),
        .cancelJob(CancelJob(job: job, reason: "r")),
        .bundleRequest(BundleRequest(sha256: "h")),
        .bundleChunk(BundleChunk(sha256: "h", offset: 1, data: [1], isLast: true)),
        .bundleChunk(BundleChunk(sha256: "h", offset: 0, data: [], isLast: false)),
    ]
}()

/// With FUZZ_WRITE_SEEDS=<dir> in the environment, writes one seed frame per message into
/// that directory (the run script does this once with -runs=0 before fuzzing).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutableRawPointer, _ argv: UnsafeMutableRawPointer) -> CInt {
    guard let directory = getenv("FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) else { return 0 }
    for (index, message) in seedMessages.enumerated() {
        let frame = FrameEncoder.encode(message)
        guard let file = fopen("\(directory)/seed-\(index)-\(message.messageType)", "wb") else { continue }
        _ = frame.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
    return 0
}
