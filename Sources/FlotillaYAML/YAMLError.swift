/// A YAML file that could not be read, with the position of the problem.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name given to the parser (used only in messages).
    public var file: String
    /// 1-based line of the problem.
    public var line: Int
    /// 1-based column of the problem.
    public var column: Int
    /// What is wrong, in words a workflow author understands.
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }

    init(file: String, at mark: Mark, _ message: String) {
        self.init(file: file, line: mark.line, column: mark.column, message: message)
    }

    /// `FILE:LINE:COL: message`.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}
