#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A structured logger: a value passed to whoever needs it, never a global.
///
/// A logger carries a label, a minimum level, a sink and metadata that every record it
/// writes inherits. `with(_:)` returns a copy with more metadata, so a job runner can hand
/// its steps a logger that already says `job.id=…`:
///
/// ```swift
/// let jobLogger = logger.with(["job.id": job.jobID, "job.attempt": "\(job.attempt)"])
/// jobLogger.info("step finished", ["step.index": "2", "step.exit_code": "0"])
/// ```
public struct Logger: Sendable {
    /// The subsystem name written in every line.
    public var label: String
    /// Records below this level are discarded before they reach the sink.
    public var level: LogLevel
    /// Metadata attached to every record; per-call metadata wins on key collisions.
    public private(set) var metadata: [String: String]
    public let sink: any LogSink

    /// Creates a logger writing to `sink`.
    /// - Parameters:
    ///   - label: The subsystem name (`agent`, `coordinator.scheduler`).
    ///   - level: The lowest level that is written.
    ///   - sink: Where records go.
    public init(label: String, level: LogLevel = .info, sink: any LogSink) {
        self.label = label
        self.level = level
        self.metadata = [:]
        self.sink = sink
    }

    /// Returns a copy whose records all carry `metadata` in addition to this logger's.
    public func with(_ metadata: [String: String]) -> Logger {
        var copy = self
        copy.metadata.merge(metadata) { _, new in new }
        return copy
    }

    /// Writes a record at `level` when `level` is at least the logger's level.
    public func log(level: LogLevel, _ message: String, _ metadata: [String: String] = [:]) {
        guard level >= self.level else { return }
        let merged = metadata.isEmpty ? self.metadata : self.metadata.merging(metadata) { _, new in new }
        sink.log(LogRecord(timestampMillis: Logger.nowMillis(), level: level, label: label,
                           message: message, metadata: merged))
    }

    /// Detail useful while developing or diagnosing.
    public func debug(_ message: String, _ metadata: [String: String] = [:]) {
        log(level: .debug, message, metadata)
    }

    /// Normal operation: jobs started and finished, connections made.
    public func info(_ message: String, _ metadata: [String: String] = [:]) {
        log(level: .info, message, metadata)
    }

    /// Significant but expected: a drain started, a lease expired.
    public func notice(_ message: String, _ metadata: [String: String] = [:]) {
        log(level: .notice, message, metadata)
    }

    /// Something went wrong and was handled: a retry, a refused peer.
    public func warning(_ message: String, _ metadata: [String: String] = [:]) {
        log(level: .warning, message, metadata)
    }

    /// Something went wrong and was not handled.
    public func error(_ message: String, _ metadata: [String: String] = [:]) {
        log(level: .error, message, metadata)
    }

    static func nowMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
