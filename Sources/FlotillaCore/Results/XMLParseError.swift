/// Why an XML document was refused, and where.
///
/// The XML reader is strict: anything that is not well-formed XML 1.0 in UTF-8 (or declared
/// ISO-8859-1) is an error, and so is anything that could make parsing expensive or reach
/// outside the document (DTDs, entities other than the five predefined ones).
public struct XMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of problem, so callers can tell a broken file from a refused one.
    public enum Kind: String, Sendable, Equatable {
        /// The document is larger than `XMLLimits.maxBytes`.
        case tooLarge
        /// A limit other than size was exceeded (nesting depth, attributes, nodes).
        case limitExceeded
        /// The bytes are not well-formed XML (or not valid UTF-8).
        case malformed
        /// Well-formed but uses something this reader refuses: a DOCTYPE, an unsupported encoding.
        case unsupported
    }

    public var kind: Kind
    /// What was wrong and what was expected.
    public var message: String
    /// Where the problem is (1-based line and column in characters); nil for whole-document
    /// problems such as the size limit.
    public var position: SourcePosition?

    public init(_ kind: Kind, _ message: String, at position: SourcePosition? = nil) {
        self.kind = kind; self.message = message; self.position = position
    }

    /// `LINE:COL: message`, or only the message when there is no position.
    public var description: String {
        guard let position else { return message }
        return "\(position.line):\(position.column): \(message)"
    }
}

/// Bounds on what one XML document may cost to parse.
public struct XMLLimits: Sendable, Equatable {
    /// Largest document accepted, in bytes.
    public var maxBytes: Int
    /// Deepest element nesting accepted.
    public var maxDepth: Int
    /// Most attributes on one element.
    public var maxAttributes: Int
    /// Most nodes (elements and text runs) an `XMLTree` may hold; the pull parser does not
    /// build nodes and ignores it.
    public var maxNodes: Int

    public init(maxBytes: Int = 64 << 20, maxDepth: Int = 256, maxAttributes: Int = 256, maxNodes: Int = 4_000_000) {
        self.maxBytes = maxBytes; self.maxDepth = maxDepth; self.maxAttributes = maxAttributes; self.maxNodes = maxNodes
    }
}

/// One attribute of an element, with entity and character references resolved and
/// whitespace normalized as XML 1.0 requires.
public struct XMLAttribute: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}
