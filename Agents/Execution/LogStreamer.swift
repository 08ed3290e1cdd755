import Dispatch
import WireProtocol

/// Turns a job's output into numbered `LogChunk`s for upload, within a per-job byte budget.
///
/// Writes are coalesced: bytes of the same step and stream collect until a chunk is full
/// (`LogChunk.maxDataBytes`), the stream or step changes, `flushInterval` passes, or
/// `flush()` is called. Sequence numbers start at 0 per job attempt and are contiguous.
/// After `maxJobBytes` bytes the streamer emits one truncation notice on the system stream
/// and drops everything else, counting it in `droppedBytes`.
///
/// All work happens on one serial queue, so `upload` is called one chunk at a time, in
/// sequence order. `upload` must not call back into the streamer.
public final class LogStreamer: @unchecked Sendable {
    /// Limits and timing.
    public struct Configuration: Sendable, Equatable {
        /// Bytes of output accepted per job; the rest is dropped.
        public var maxJobBytes: Int
        /// Largest chunk emitted; at most `LogChunk.maxDataBytes`.
        public var maxChunkBytes: Int
        /// How long bytes may wait for more before they are sent anyway.
        public var flushInterval: Duration
        /// How many of the last accepted bytes `tail()` keeps.
        public var tailBytes: Int

        public init(maxJobBytes: Int = 64 << 20, maxChunkBytes: Int = LogChunk.maxDataBytes,
                    flushInterval: Duration = .milliseconds(150), tailBytes: Int = 8 << 10) {
            precondition(maxChunkBytes > 0 && maxChunkBytes <= LogChunk.maxDataBytes, "chunk size must fit LogChunk.maxDataBytes")
            self.maxJobBytes = maxJobBytes; self.maxChunkBytes = maxChunkBytes
            self.flushInterval = flushInterval; self.tailBytes = tailBytes
        }
    }

    public let job: JobRef
    public let configuration: Configuration
    private let upload: @Sendable (LogChunk) -> Void
    private let queue: DispatchQueue

    // Confined to `queue`.
    private var sequence: UInt64 = 0
    private var pending: [UInt8] = []
    private var pendingStep: UInt32 = 0
    private var pendingStream: LogStream = .system
    private var acceptedBytes = 0
    private var dropped: UInt64 = 0
    private var truncated = false
    private var recentBytes: [UInt8] = []
    private var timerArmed = false
    private var timerGeneration = 0

    /// Creates a streamer for one job attempt.
    /// - Parameters:
    ///   - job: The attempt every chunk belongs to.
    ///   - configuration: Byte cap, chunk size, flush interval, tail size.
    ///   - upload: Receives chunks in sequence order, one at a time, on the streamer's queue.
    public init(job: JobRef, configuration: Configuration = Configuration(), upload: @escaping @Sendable (LogChunk) -> Void) {
        self.job = job
        self.configuration = configuration
        self.upload = upload
        self.queue = DispatchQueue(label: "flotilla.log.\(job.jobID)")
    }

    /// Queues output of one step; returns at once.
    public func write(_ bytes: [UInt8], stream: LogStream, stepIndex: UInt32) {
        guard !bytes.isEmpty else { return }
        queue.async { [self] in accept(bytes, stream: stream, stepIndex: stepIndex) }
    }

    /// Queues one line from the agent itself on the system stream (a newline is added).
    public func writeSystemLine(_ line: String, stepIndex: UInt32) {
        write(Array((line + "\n").utf8), stream: .system, stepIndex: stepIndex)
    }

    /// Sends everything written so far; when it returns, `upload` has received it all.
    public func flush() {
        queue.sync { emitPending() }
    }

    /// Bytes refused because the job went over `maxJobBytes`.
    public var droppedBytes: UInt64 {
        queue.sync { dropped }
    }

    /// The last `tailBytes` accepted bytes of every stream, for failure messages.
    public func tail() -> [UInt8] {
        queue.sync { Array(recentBytes.suffix(configuration.tailBytes)) }
    }

    // MARK: On `queue`

    private func accept(_ bytes: [UInt8], stream: LogStream, stepIndex: UInt32) {
        guard !truncated else {
            dropped += UInt64(bytes.count)
            return
        }
        let room = configuration.maxJobBytes - acceptedBytes
        let kept = bytes.count <= room ? bytes[...] : bytes.prefix(room)
        if !kept.isEmpty {
            append(kept, stream: stream, stepIndex: stepIndex)
        }
        if kept.count < bytes.count {
            truncated = true
            dropped += UInt64(bytes.count - kept.count)
            emitPending()
            let notice = "[flotilla] log truncated: this job reached its limit of \(configuration.maxJobBytes) bytes; further output is dropped\n"
            emit(Array(notice.utf8)[...], stream: .system, stepIndex: stepIndex)
        }
    }

    private func append(_ bytes: ArraySlice<UInt8>, stream: LogStream, stepIndex: UInt32) {
        acceptedBytes += bytes.count
        recentBytes.append(contentsOf: bytes)
        if recentBytes.count > 2 * configuration.tailBytes {
            recentBytes.removeFirst(recentBytes.count - configuration.tailBytes)
        }
        if !pending.isEmpty && (stream != pendingStream || stepIndex != pendingStep) {
            emitPending()
        }
        pendingStream = stream
        pendingStep = stepIndex
        var rest = bytes
        while !rest.isEmpty {
            let take = min(rest.count, configuration.maxChunkBytes - pending.count)
            pending.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if pending.count == configuration.maxChunkBytes { emitPending() }
        }
        if !pending.isEmpty && !timerArmed {
            timerArmed = true
            let generation = timerGeneration
            queue.asyncAfter(deadline: .now() + configuration.flushInterval.dispatchInterval) { [self] in
                if generation == timerGeneration { emitPending() }
            }
        }
    }

    private func emitPending() {
        timerArmed = false
        timerGeneration &+= 1
        guard !pending.isEmpty else { return }
        emit(pending[...], stream: pendingStream, stepIndex: pendingStep)
        pending.removeAll(keepingCapacity: true)
    }

    private func emit(_ data: ArraySlice<UInt8>, stream: LogStream, stepIndex: UInt32) {
        var rest = data
        while !rest.isEmpty {
            let piece = rest.prefix(configuration.maxChunkBytes)
            rest = rest.dropFirst(piece.count)
            upload(LogChunk(job: job, sequence: sequence, stepIndex: stepIndex, stream: stream, data: Array(piece)))
            sequence += 1
        }
    }
}
