/// One finding about a pipeline file, located at file:line:column.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// How serious a finding is.
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, column: Int, severity: Severity, message: String) {
        self.file = file; self.line = line; self.column = column; self.severity = severity; self.message = message
    }

    /// `FILE:LINE:COL: error: message` (the format compilers use, so editors can jump to it).
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// A pipeline that failed to load or plan; carries every error found, not only the first.
public struct PipelineLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Errors (and any warnings found alongside them), in file order.
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// Only the diagnostics of severity `.error`.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
