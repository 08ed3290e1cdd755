/// One result file a job produced, read (or not) for the gates.
///
/// The coordinator builds these from the artifacts it stored: `parse(_:job:name:kind:)` for a
/// file it has, `.missing` for one that never arrived. A file that cannot be read is still an
/// input: the gate that needs it reports `error` with the parser's message.
public struct ResultFile: Sendable, Equatable {
    /// What reading the file gave.
    public enum Content: Sendable, Equatable {
        case junit(JUnitReport)
        case coverage(CoverageReport)
        case sarif(SARIFReport)
        /// The file was collected but is not valid for its kind.
        case unreadable(ResultParseError)
        /// The job declared the artifact but no file reached the coordinator; says why.
        case missing(String)
    }

    /// The planned job id that produced the file.
    public var job: String
    /// The artifact's name (or the collected file's path), for messages.
    public var name: String
    public var kind: ArtifactKind
    public var content: Content

    public init(job: String, name: String, kind: ArtifactKind, content: Content) {
        self.job = job; self.name = name; self.kind = kind; self.content = content
    }

    /// Reads a result file with the parser for its kind.
    ///
    /// - Returns: The parsed (or unreadable) file; nil for `.file` artifacts, which gates do not read.
    public static func parse(_ bytes: [UInt8], job: String, name: String, kind: ArtifactKind) -> ResultFile? {
        let content: Content
        do {
            switch kind {
            case .file: return nil
            case .junit: content = .junit(try JUnitParser.parse(bytes))
            case .coverage: content = .coverage(try CoverageParser.parse(bytes))
            case .sarif: content = .sarif(try SARIFParser.parse(bytes))
            }
        } catch {
            content = .unreadable(error)
        }
        return ResultFile(job: job, name: name, kind: kind, content: content)
    }

    /// Why the file gives no usable report, if it does not: "`name` from job `job`: reason".
    public var problem: String? {
        switch content {
        case .junit, .coverage, .sarif: return nil
        case .unreadable(let error): return "\(name) from job \(job): \(error)"
        case .missing(let reason): return "\(name) from job \(job): \(reason)"
        }
    }
}

/// Reads coverage in either supported format, telling them apart by content: XML (after an
/// optional byte order mark and whitespace, the file starts with `<`) is Cobertura, anything
/// else is read as lcov.
public enum CoverageParser {
    /// Parses a Cobertura or lcov file.
    ///
    /// - Throws: `ResultParseError` from `CoberturaParser` or `LcovParser`.
    public static func parse(_ bytes: [UInt8]) throws(ResultParseError) -> CoverageReport {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count, XMLPullParser.isSpace(bytes[i]) { i += 1 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "<") { return try CoberturaParser.parse(bytes) }
        return try LcovParser.parse(bytes)
    }
}
