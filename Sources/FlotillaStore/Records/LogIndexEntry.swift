import WireProtocol

/// Where one log chunk's bytes are: a range of the attempt's log file under `logs/`.
public struct LogIndexEntry: Sendable, Equatable {
    public var ref: JobRef
    /// The chunk's number within its attempt, from the agent's `LogChunk.sequence`.
    public var sequence: UInt64
    public var stream: LogStream
    public var stepIndex: UInt32
    /// The log file, relative to the state directory.
    public var path: String
    public var offset: UInt64
    public var length: UInt64

    public init(ref: JobRef, sequence: UInt64, stream: LogStream, stepIndex: UInt32, path: String,
                offset: UInt64, length: UInt64) {
        self.ref = ref; self.sequence = sequence; self.stream = stream; self.stepIndex = stepIndex
        self.path = path; self.offset = offset; self.length = length
    }
}
