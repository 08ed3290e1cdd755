/// How important a log record is; records below a logger's level are dropped.
///
/// Library code logs at `info` or below; `notice` and up are for events an operator acts on.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case debug = 0
    case info = 1
    case notice = 2
    case warning = 3
    case error = 4

    /// The lowercase name written in log lines (`debug`, `info`, …).
    public var description: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "notice"
        case .warning: return "warning"
        case .error: return "error"
        }
    }

    /// Parses a level name as written in configuration (`"info"`, `"WARNING"`); nil when unknown.
    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.description == name.lowercased() }) else {
            return nil
        }
        self = level
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
