/// A command line after the subcommand: options (`--name value`, `--name=value`), flags and positionals.
///
/// Hand-written because the project takes no package dependencies; errors name the
/// command, the option and what was expected.
struct ArgumentList {
    let command: String
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []
    private(set) var positionals: [String] = []
    private var consumed: Set<String> = []

    /// - Parameters:
    ///   - valueOptions: options that take a value (without `--`).
    ///   - flagOptions: options that take none.
    init(command: String, arguments: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws(UsageError) {
        self.command = command
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                positionals += arguments[(i + 1)...]
                break
            }
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                var inlineValue: String?
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if flagOptions.contains(name) {
                    guard inlineValue == nil else { throw UsageError(command: command, message: "--\(name) takes no value") }
                    flags.insert(name)
                } else if valueOptions.contains(name) {
                    if let inlineValue {
                        options[name, default: []].append(inlineValue)
                    } else {
                        guard i + 1 < arguments.count else {
                            throw UsageError(command: command, message: "--\(name) needs a value")
                        }
                        i += 1
                        options[name, default: []].append(arguments[i])
                    }
                } else {
                    let known = (valueOptions.union(flagOptions)).sorted().map { "--\($0)" }.joined(separator: ", ")
                    throw UsageError(command: command, message: "unknown option --\(name) (expected one of: \(known.isEmpty ? "none" : known))")
                }
            } else {
                positionals.append(argument)
            }
            i += 1
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The last value given for an option.
    func value(_ name: String) -> String? { options[name]?.last }

    /// Every value given for a repeatable option.
    func values(_ name: String) -> [String] { options[name] ?? [] }

    func required(_ name: String, _ what: String) throws(UsageError) -> String {
        guard let value = value(name), !value.isEmpty else {
            throw UsageError(command: command, message: "missing --\(name) \(what)")
        }
        return value
    }

    func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError(command: command,
                             message: "--\(name) expects a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return number
    }

    func positional(_ index: Int, _ what: String) throws(UsageError) -> String {
        guard index < positionals.count else { throw UsageError(command: command, message: "missing \(what)") }
        return positionals[index]
    }

    func noExtraPositionals(after count: Int) throws(UsageError) {
        if positionals.count > count {
            throw UsageError(command: command, message: "unexpected argument '\(positionals[count])'")
        }
    }
}

/// The command line was wrong; exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let command: String
    let message: String
    var description: String { "flotilla \(command): \(message) (see 'flotilla help')" }
}
