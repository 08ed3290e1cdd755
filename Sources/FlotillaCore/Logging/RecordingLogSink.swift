import Synchronization

/// Keeps every record in memory, for tests that assert on what was logged.
public final class RecordingLogSink: LogSink {
    private let storage = Mutex<[LogRecord]>([])

    public init() {}

    public func log(_ record: LogRecord) {
        storage.withLock { $0.append(record) }
    }

    /// Every record received so far, oldest first.
    public var records: [LogRecord] {
        storage.withLock { $0 }
    }

    /// The messages of the records received so far, oldest first.
    public var messages: [String] {
        storage.withLock { $0.map(\.message) }
    }

    /// Forgets every record received so far.
    public func removeAll() {
        storage.withLock { $0.removeAll() }
    }
}
