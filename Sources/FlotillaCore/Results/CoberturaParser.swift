/// Reads Cobertura XML coverage, as written by coverage.py (`coverage xml`), gcovr, Cobertura
/// itself, JaCoCo converters and `cargo llvm-cov --cobertura`.
///
/// Totals come from the root's `lines-covered` and `lines-valid`; when they are absent they are
/// counted from the `<line number hits>` elements of every `<class>` (the copies under
/// `<methods>` are not counted twice). The file is streamed with `XMLPullParser`, so a large
/// report is never held as a tree.
public enum CoberturaParser {
    /// Parses one Cobertura file.
    ///
    /// - Parameter bytes: The file's bytes (at most `ResultLimits.maxBytes`).
    /// - Returns: Totals and, when present, per-line hits.
    /// - Throws: `ResultParseError` (format `.cobertura`) for oversized input, XML errors, a root
    ///   other than `<coverage>`, counts that are not whole numbers (or more covered than valid
    ///   lines), a `line-rate` outside 0–1, or a file with neither totals nor lines.
    public static func parse(_ bytes: [UInt8]) throws(ResultParseError) -> CoverageReport {
        try ResultLimits.check(bytes, .cobertura)
        var parser: XMLPullParser
        do { parser = try XMLPullParser(bytes: bytes, limits: ResultLimits.xml) } catch { throw ResultParseError(.cobertura, xml: error) }
        var path: [String] = []
        var totals: (covered: Int, valid: Int)?
        var currentFile: String?
        var files: [String: [Int: Int]] = [:]
        while let event = try next(&parser) {
            switch event {
            case .startElement(let name, let attributes, let position):
                let e = XMLTree.Element(name: name, attributes: attributes, position: position)
                if path.isEmpty {
                    guard name == "coverage" else {
                        throw ResultParseError(.cobertura, .invalid, "expected <coverage> as the root element, found <\(name)>", at: position)
                    }
                    totals = try rootTotals(e)
                } else if name == "class", path.last == "classes" {
                    guard let file = e.attribute("filename"), !file.isEmpty else {
                        throw ResultParseError(.cobertura, .invalid, "<class> has no 'filename' attribute", at: position)
                    }
                    currentFile = file
                } else if name == "line", path.count >= 2, path[path.count - 1] == "lines", path[path.count - 2] == "class",
                          let file = currentFile {
                    let number = try count(e, "number")
                    let hits = try count(e, "hits")
                    files[file, default: [:]][number] = max(files[file]?[number] ?? 0, hits)
                }
                path.append(name)
            case .endElement(let name):
                path.removeLast()
                if name == "class" && path.last == "classes" { currentFile = nil }
            case .text:
                continue
            }
        }
        let perFile = files.map { FileCoverage(path: $0.key, lines: $0.value) }
        if let totals {
            return CoverageReport(linesCovered: totals.covered, linesValid: totals.valid,
                                  files: perFile.sorted { $0.path < $1.path })
        }
        guard !perFile.isEmpty else {
            throw ResultParseError(.cobertura, .invalid,
                                   "no line counts: <coverage> has no lines-covered/lines-valid and no <class> has <line> elements",
                                   at: SourcePosition(line: 1, column: 1))
        }
        return CoverageReport(files: perFile)
    }

    private static func next(_ parser: inout XMLPullParser) throws(ResultParseError) -> XMLPullParser.Event? {
        do { return try parser.next() } catch { throw ResultParseError(.cobertura, xml: error) }
    }

    /// `lines-covered`/`lines-valid` when both are present; `line-rate` is checked for range.
    private static func rootTotals(_ e: XMLTree.Element) throws(ResultParseError) -> (covered: Int, valid: Int)? {
        if let rate = e.attribute("line-rate") {
            guard let r = Double(rate.trimmingWhitespace), r.isFinite, (0...1).contains(r) else {
                throw ResultParseError(.cobertura, .invalid, "<coverage> line-rate '\(rate)' is not a number between 0 and 1", at: e.position)
            }
        }
        let hasCovered = e.attribute("lines-covered") != nil, hasValid = e.attribute("lines-valid") != nil
        guard hasCovered || hasValid else { return nil }
        guard hasCovered && hasValid else {
            throw ResultParseError(.cobertura, .invalid, "<coverage> has \(hasCovered ? "lines-covered without lines-valid" : "lines-valid without lines-covered")",
                                   at: e.position)
        }
        let covered = try count(e, "lines-covered"), valid = try count(e, "lines-valid")
        guard covered <= valid else {
            throw ResultParseError(.cobertura, .invalid, "<coverage> lines-covered (\(covered)) is larger than lines-valid (\(valid))", at: e.position)
        }
        return (covered, valid)
    }

    /// A required non-negative whole-number attribute.
    private static func count(_ e: XMLTree.Element, _ name: String) throws(ResultParseError) -> Int {
        guard let raw = e.attribute(name) else {
            throw ResultParseError(.cobertura, .invalid, "<\(e.name)> has no '\(name)' attribute", at: e.position)
        }
        let text = raw.trimmingWhitespace
        guard !text.isEmpty, text.allSatisfy(ResultText.isDigit), let value = Int(text) else {
            throw ResultParseError(.cobertura, .invalid, "<\(e.name)> \(name) '\(raw)' is not a whole number of at least 0", at: e.position)
        }
        return value
    }
}
