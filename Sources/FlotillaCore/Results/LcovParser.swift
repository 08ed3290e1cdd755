/// Reads lcov tracefiles, as written by `lcov`/`geninfo` (gcov), `llvm-cov export -format=lcov`,
/// `cargo llvm-cov --lcov`, Istanbul/nyc and `go tool covdata`.
///
/// A record runs from `SF:<path>` to `end_of_record`. Line coverage comes from `DA:<line>,<hits>`
/// entries; a record with no `DA:` lines falls back to its `LF:`/`LH:` summary. Records for the
/// same path are merged. Function and branch entries (`FN*`, `BR*`) and other keys are ignored;
/// anything that is not `KEY:value` or `end_of_record` is an error.
public enum LcovParser {
    /// Parses one lcov file.
    ///
    /// - Parameter bytes: The file's bytes (at most `ResultLimits.maxBytes`).
    /// - Throws: `ResultParseError` (format `.lcov`) with the line number for text that is not
    ///   lcov, entries outside a record, bad numbers, or a record missing its `end_of_record`
    ///   (a truncated file); also when the file has no records at all.
    public static func parse(_ bytes: [UInt8]) throws(ResultParseError) -> CoverageReport {
        try ResultLimits.check(bytes, .lcov)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ResultParseError(.lcov, .malformed, "the file is not UTF-8 text")
        }
        var lines: [String: [Int: Int]] = [:]
        var summaries: [(found: Int, hit: Int)] = []
        var record: Record?
        var sawRecord = false
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let line = String(raw).trimmingWhitespace
            if line.isEmpty { continue }
            let at = SourcePosition(line: number, column: 1)
            if line == "end_of_record" {
                guard let done = record else {
                    throw ResultParseError(.lcov, .malformed, "end_of_record without an open SF: record", at: at)
                }
                if done.lines.isEmpty, let found = done.found {
                    let hit = done.hit ?? 0
                    guard hit <= found else {
                        throw ResultParseError(.lcov, .invalid, "LH (\(hit)) is larger than LF (\(found)) for '\(done.path)'", at: at)
                    }
                    summaries.append((found, hit))
                } else {
                    lines[done.path, default: [:]].merge(done.lines, uniquingKeysWith: max)
                }
                record = nil
                continue
            }
            guard let colon = line.firstIndex(of: ":"), line[..<colon].allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }),
                  colon != line.startIndex else {
                throw ResultParseError(.lcov, .malformed, "expected 'KEY:value' or end_of_record, found '\(line.prefix(60))'", at: at)
            }
            let key = String(line[..<colon])
            let value = String(line[line.index(after: colon)...])
            switch key {
            case "SF":
                if let open = record {
                    throw ResultParseError(.lcov, .malformed, "SF:\(value) starts before the record for '\(open.path)' (line \(open.line)) ended with end_of_record", at: at)
                }
                guard !value.isEmpty else { throw ResultParseError(.lcov, .invalid, "SF: has an empty path", at: at) }
                record = Record(path: value, line: number)
                sawRecord = true
            case "DA", "LF", "LH":
                guard record != nil else {
                    throw ResultParseError(.lcov, .malformed, "\(key): outside a record; expected SF:<path> first", at: at)
                }
                if key == "DA" {
                    let parts = value.split(separator: ",", omittingEmptySubsequences: false)
                    guard parts.count == 2 || parts.count == 3 else {
                        throw ResultParseError(.lcov, .invalid, "DA:\(value) is not DA:<line>,<hits>", at: at)
                    }
                    let lineNumber = try count(parts[0], "line number", at)
                    let hits = try count(parts[1], "hit count", at)
                    record!.lines[lineNumber] = max(record!.lines[lineNumber] ?? 0, hits)
                } else if key == "LF" {
                    record!.found = try count(Substring(value), "LF", at)
                } else {
                    record!.hit = try count(Substring(value), "LH", at)
                }
            default:
                continue
            }
        }
        if let open = record {
            throw ResultParseError(.lcov, .malformed, "the record for '\(open.path)' is not closed with end_of_record; the file may be truncated",
                                   at: SourcePosition(line: open.line, column: 1))
        }
        guard sawRecord else {
            throw ResultParseError(.lcov, .invalid, "no coverage records (SF:<path> … end_of_record) in the file")
        }
        let files = lines.map { FileCoverage(path: $0.key, lines: $0.value) }
        guard !summaries.isEmpty else { return CoverageReport(files: files) }
        // Records with only LF/LH have no lines to merge with other reports, so keep totals only.
        let perLine = CoverageReport(files: files)
        return CoverageReport(linesCovered: perLine.linesCovered + summaries.reduce(0) { $0 + $1.hit },
                              linesValid: perLine.linesValid + summaries.reduce(0) { $0 + $1.found })
    }

    private struct Record {
        var path: String
        var line: Int
        var lines: [Int: Int] = [:]
        var found: Int?
        var hit: Int?
    }

    private static func count(_ text: Substring, _ what: String, _ at: SourcePosition) throws(ResultParseError) -> Int {
        guard !text.isEmpty, text.allSatisfy(ResultText.isDigit), let value = Int(text) else {
            throw ResultParseError(.lcov, .invalid, "\(what) '\(text)' is not a whole number of at least 0", at: at)
        }
        return value
    }
}
