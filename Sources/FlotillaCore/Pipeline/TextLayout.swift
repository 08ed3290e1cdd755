/// How a scalar's text sits in the file, so an offset inside the text maps back to a column.
enum TextLayout: Sendable, Equatable {
    /// Text on the scalar's own line; `prefix` is 1 for a quoted scalar (the quote), else 0.
    case inline(prefix: Int)
    /// A `|` or `>` block: content starts on `firstLine`, indented by `indent` spaces.
    case block(firstLine: Int, indent: Int)

    /// The file position of the character at `offset` (in Characters) of `text`, which starts at `start`.
    func location(ofOffset offset: Int, in text: String, start: SourcePosition) -> SourcePosition {
        var line = 0, column = 0, seen = 0
        for ch in text {
            if seen == offset { break }
            if ch == "\n" { line += 1; column = 0 } else { column += 1 }
            seen += 1
        }
        switch self {
        case .inline(let prefix):
            if line == 0 { return SourcePosition(line: start.line, column: start.column + prefix + column) }
            return SourcePosition(line: start.line + line, column: column + 1)
        case .block(let firstLine, let indent):
            return SourcePosition(line: firstLine + line, column: indent + column + 1)
        }
    }
}
