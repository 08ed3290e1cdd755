/// The result file formats Flotilla reads.
public enum ResultFormat: String, Sendable, Equatable, CaseIterable {
    case junit
    case cobertura
    case lcov
    case sarif
}

/// A result file that could not be read, with what was wrong and where.
///
/// Result files come from the jobs, so every failure here is the file's fault, never a reason
/// to crash: the gate that reads the file reports the error instead of a verdict.
public struct ResultParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of problem.
    public enum Kind: String, Sendable, Equatable {
        /// Larger than the parser's byte limit (`ResultLimits.maxBytes`).
        case tooLarge
        /// Not well-formed: broken XML or JSON, bad UTF-8, a truncated lcov record.
        case malformed
        /// Well-formed, but not what the format requires: wrong root, bad numbers, missing fields.
        case invalid
        /// Uses something deliberately refused: a DOCTYPE, another SARIF version, an encoding.
        case unsupported
        /// A nesting, attribute or node-count limit was exceeded.
        case limitExceeded
    }

    public var format: ResultFormat
    public var kind: Kind
    public var message: String
    /// 1-based line and column, when the problem has a place.
    public var position: SourcePosition?

    public init(_ format: ResultFormat, _ kind: Kind, _ message: String, at position: SourcePosition? = nil) {
        self.format = format; self.kind = kind; self.message = message; self.position = position
    }

    /// Wraps an XML-level error in the format that was being read.
    public init(_ format: ResultFormat, xml error: XMLParseError) {
        let kind: Kind
        switch error.kind {
        case .tooLarge: kind = .tooLarge
        case .limitExceeded: kind = .limitExceeded
        case .malformed: kind = .malformed
        case .unsupported: kind = .unsupported
        }
        self.init(format, kind, error.message, at: error.position)
    }

    /// `junit: 12:5: message` (the position only when known).
    public var description: String {
        guard let position else { return "\(format.rawValue): \(message)" }
        return "\(format.rawValue): \(position.line):\(position.column): \(message)"
    }
}

/// Bounds shared by the result parsers.
public enum ResultLimits {
    /// The largest result file any parser accepts: 64 MiB.
    public static let maxBytes = 64 << 20

    /// Refuses input over `maxBytes` before any parsing work.
    static func check(_ bytes: [UInt8], _ format: ResultFormat) throws(ResultParseError) {
        guard bytes.count <= maxBytes else {
            throw ResultParseError(format, .tooLarge, "the file is \(bytes.count) bytes; the limit is \(maxBytes) bytes")
        }
    }

    static var xml: XMLLimits { XMLLimits(maxBytes: maxBytes) }
}

/// Character tests shared by the text-based parsers.
enum ResultText {
    /// `0`–`9` only (not other Unicode digits, which `Int(_:)` would refuse anyway).
    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
}
