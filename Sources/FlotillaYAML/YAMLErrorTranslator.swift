internal import CYAML

/// Turns libyaml's terse problem/context pair into a message a workflow author can act on.
struct YAMLErrorTranslator {
    let file: String
    let source: UnsafeBufferPointer<UInt8>

    func translate(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let context = parser.context.map { String(cString: $0) }
        let problemMark = parser.error == YAML_READER_ERROR
            ? markForOffset(Int(parser.problem_offset))
            : Mark(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        let contextMark = Mark(line: Int(parser.context_mark.line) + 1, column: Int(parser.context_mark.column) + 1)
        let problemByte: UInt8? = parser.error == YAML_READER_ERROR ? nil : byte(at: Int(parser.problem_mark.index))
        let startsLine = parser.error != YAML_READER_ERROR && onlySpacesBefore(Int(parser.problem_mark.index))
        let (mark, message) = describe(problem: problem, context: context, problemMark: problemMark,
                                       contextMark: contextMark, problemByte: problemByte, startsLine: startsLine)
        return YAMLError(file: file, at: mark, message)
    }

    private func describe(problem: String, context: String?, problemMark: Mark, contextMark: Mark,
                          problemByte: UInt8?, startsLine: Bool) -> (Mark, String) {
        let tabs = "tabs are not allowed for indentation; indent with spaces"
        let ctx = context ?? ""
        switch problem {
        case "found character that cannot start any token":
            if problemByte == UInt8(ascii: "\t") { return (problemMark, tabs) }
            let shown = problemByte.map { $0 >= 0x20 && $0 < 0x7F ? "'\(Character(UnicodeScalar($0)))'" : "this character" } ?? "this character"
            return (problemMark, "\(shown) cannot start a value; quote the value")
        case "found a tab character that violates indentation",
             "found a tab character where an indentation space is expected":
            return (problemMark, tabs)
        case "found unexpected end of stream" where ctx.contains("quoted scalar"):
            return (contextMark, "unclosed quoted string: the quote opened here is never closed")
        case "found unexpected document indicator" where ctx.contains("quoted scalar"):
            return (contextMark, "unclosed quoted string: the quote opened here is never closed before '---' or '...'")
        case "mapping values are not allowed in this context":
            return (problemMark, "unexpected ':' — a value cannot contain ': ' here; quote the value or fix the indentation")
        case "did not find expected key":
            if problemByte == UInt8(ascii: "\t") { return (problemMark, tabs) }
            if !startsLine { return (problemMark, "unexpected text after a value; quote the whole value or start a new line") }
            return (problemMark, "bad indentation: expected a key aligned with the mapping that starts at line \(contextMark.line), column \(contextMark.column)")
        case "did not find expected '-' indicator":
            if !startsLine { return (problemMark, "unexpected text after a value; quote the whole value or start a new line") }
            return (problemMark, "bad indentation: expected a '- ' item aligned with the list that starts at line \(contextMark.line), column \(contextMark.column)")
        case "could not find expected ':'":
            return (problemMark, "expected ':' after the key that starts at line \(contextMark.line), column \(contextMark.column)")
        case "block sequence entries are not allowed in this context":
            return (problemMark, "a '- ' list item is not allowed here; check the indentation")
        case "found unknown escape character":
            return (problemMark, "unknown escape sequence in a double-quoted string; write '\\\\' for a backslash or use single quotes")
        case "did not find expected node content":
            return (problemMark, "expected a value here")
        case "did not find expected ',' or ']'":
            return (contextMark, "unclosed '[': expected ',' or ']' to continue or close the list opened here")
        case "did not find expected ',' or '}'":
            return (contextMark, "unclosed '{': expected ',' or '}' to continue or close the mapping opened here")
        case "control characters are not allowed":
            return (problemMark, "control characters are not allowed in YAML text")
        default:
            if let context {
                return (problemMark, "\(problem) (\(context) at line \(contextMark.line), column \(contextMark.column))")
            }
            return (problemMark, problem)
        }
    }

    /// Whether only spaces precede `index` on its line (the problem is about indentation).
    private func onlySpacesBefore(_ index: Int) -> Bool {
        var i = min(index, source.count) - 1
        while i >= 0, source[i] != UInt8(ascii: "\n") {
            if source[i] != UInt8(ascii: " ") { return false }
            i -= 1
        }
        return true
    }

    private func byte(at index: Int) -> UInt8? {
        index >= 0 && index < source.count ? source[index] : nil
    }

    /// Line and column (in Unicode scalars) of a byte offset, for reader errors that carry only an offset.
    private func markForOffset(_ offset: Int) -> Mark {
        var line = 1, column = 1
        var i = 0
        let end = min(offset, source.count)
        while i < end {
            let b = source[i]
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return Mark(line: line, column: column)
    }
}
