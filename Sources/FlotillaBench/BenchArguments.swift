/// Walks a benchmark's command-line options one at a time: the half of every `parse` that
/// does not depend on which options there are.
///
/// The caller switches on each option `next()` returns and reads that option's value with
/// `value()` or `integer(_:)`, whose usage errors name the option.
struct BenchArguments {
    private let arguments: [String]
    private var index: Int
    /// The option `next()` returned last.
    private(set) var option = ""

    /// - Parameters:
    ///   - arguments: The arguments after the program name (or after the subcommand).
    ///   - start: The index of the first option (past a command word, if any).
    init(_ arguments: [String], from start: Int = 0) {
        self.arguments = arguments
        self.index = start
    }

    /// The next option, or nil when the arguments are used up.
    mutating func next() -> String? {
        guard index < arguments.count else { return nil }
        option = arguments[index]
        index += 1
        return option
    }

    /// The argument after the current option.
    ///
    /// - Throws: `BenchError.usage` when the arguments end first.
    mutating func value() throws(BenchError) -> String {
        guard index < arguments.count else { throw .usage("\(option) needs a value") }
        defer { index += 1 }
        return arguments[index]
    }

    /// The argument after the current option, as an integer within `range`.
    ///
    /// - Throws: `BenchError.usage` when it is missing, not an integer or out of range.
    mutating func integer(_ range: ClosedRange<Int>) throws(BenchError) -> Int {
        let text = try value()
        guard let number = Int(text), range.contains(number) else {
            throw .usage("\(option) expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }
}
