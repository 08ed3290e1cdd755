/// One structured log event as a sink receives it.
public struct LogRecord: Sendable, Equatable {
    /// Wall-clock time of the event, in milliseconds since the Unix epoch (UTC).
    public var timestampMillis: Int64
    public var level: LogLevel
    /// The subsystem that logged (`agent`, `coordinator.scheduler`).
    public var label: String
    /// A readable sentence; identifiers belong in `metadata`.
    public var message: String
    /// Dotted keys (`job.id`, `artifact.sha256`) to string values.
    public var metadata: [String: String]

    public init(timestampMillis: Int64, level: LogLevel, label: String, message: String, metadata: [String: String]) {
        self.timestampMillis = timestampMillis; self.level = level; self.label = label
        self.message = message; self.metadata = metadata
    }
}

/// Where a `Logger` sends records. Implementations must be safe to call from any thread.
public protocol LogSink: Sendable {
    /// Writes or stores one record; must not call back into the logger that produced it.
    func log(_ record: LogRecord)
}
