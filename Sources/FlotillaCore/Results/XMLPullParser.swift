/// A strict, bounded, pull-style XML 1.0 parser in pure Swift.
///
/// It reads elements, attributes, text, CDATA sections, comments and processing instructions,
/// resolves the five predefined entities and numeric character references, normalizes line
/// ends and attribute whitespace, and checks well-formedness (one root, matching end tags,
/// unique attributes). No DTD is ever read: a DOCTYPE that only names an external DTD
/// (`<!DOCTYPE coverage SYSTEM "…coverage-04.dtd">`, as Cobertura and Istanbul write) is skipped
/// without fetching anything, and a DOCTYPE with an internal subset (`[ … ]`, where entity
/// declarations and entity-expansion bombs live) is refused. So there are no custom or external
/// entities and nothing to expand. Every error carries the line and column where it was found.
///
/// Comments and processing instructions are checked and skipped; consumers see start tags,
/// end tags and text. Adjacent text and CDATA may arrive as several `text` events.
public struct XMLPullParser {
    /// What the parser found next.
    public enum Event: Sendable, Equatable {
        /// A start tag (a self-closing tag is followed at once by its `endElement`).
        case startElement(name: String, attributes: [XMLAttribute], position: SourcePosition)
        case endElement(name: String)
        /// Character data inside the root element (entity references resolved; CDATA as is).
        case text(String, position: SourcePosition)
    }

    let bytes: [UInt8]
    let limits: XMLLimits
    var pos = 0
    var locator: XMLLocator
    private var open: [(name: String, offset: Int)] = []
    private var sawRoot = false
    private var sawDoctype = false
    private var pendingEnd: String?

    /// Prepares a document.
    ///
    /// - Parameters:
    ///   - bytes: The whole document: UTF-8 (a byte order mark is skipped), or ISO-8859-1 when
    ///     the XML declaration says so.
    ///   - limits: Size, depth and attribute bounds.
    /// - Throws: `XMLParseError` when the document is too large, not valid UTF-8, holds
    ///   characters XML forbids, or declares an unsupported encoding.
    public init(bytes: [UInt8], limits: XMLLimits = .init()) throws(XMLParseError) {
        let input = try XMLInput(bytes, limits: limits)
        self.bytes = input.bytes
        self.limits = limits
        locator = XMLLocator(bytes: input.bytes)
        if self.bytes.starts(with: Array("<?xml".utf8)), self.bytes.count > 5, Self.isSpace(self.bytes[5]) {
            try declaration()
        }
    }

    /// The element currently open, innermost last (names only).
    public var openElements: [String] { open.map(\.name) }

    /// The next event, or nil at the end of a complete document.
    ///
    /// - Throws: `XMLParseError` at the first well-formedness error or exceeded limit.
    public mutating func next() throws(XMLParseError) -> Event? {
        if let name = pendingEnd {
            pendingEnd = nil
            open.removeLast()
            return .endElement(name: name)
        }
        while true {
            guard pos < bytes.count else {
                if let last = open.last {
                    throw XMLParseError(.malformed, "unexpected end of the document: <\(last.name)> (opened at \(position(last.offset))) is not closed",
                                        at: position(bytes.count))
                }
                guard sawRoot else { throw XMLParseError(.malformed, "the document has no root element", at: position(bytes.count)) }
                return nil
            }
            guard bytes[pos] == UInt8(ascii: "<") else {
                let start = pos
                let text = try characterData()
                if open.isEmpty {
                    if let bad = bytes[start..<pos].firstIndex(where: { !Self.isSpace($0) }) {
                        throw XMLParseError(.malformed, "text \(sawRoot ? "after" : "before") the root element; only comments and processing instructions may appear there",
                                            at: position(bad))
                    }
                    continue
                }
                return .text(text, position: position(start))
            }
            let start = pos
            if has("<?") {
                try processingInstruction()
            } else if has("<!--") {
                try comment()
            } else if has("<![CDATA[") {
                let text = try cdata()
                guard !open.isEmpty else { throw XMLParseError(.malformed, "a CDATA section outside the root element", at: position(start)) }
                return .text(text, position: position(start))
            } else if has("<!DOCTYPE") {
                guard !sawRoot, !sawDoctype else {
                    throw XMLParseError(.malformed, "a DOCTYPE is only allowed once, before the root element", at: position(start))
                }
                try doctype()
                sawDoctype = true
            } else if has("<!") {
                throw XMLParseError(.malformed, "expected a comment '<!--' or CDATA '<![CDATA[' after '<!'", at: position(start))
            } else if has("</") {
                return try endTag()
            } else {
                return try startTag()
            }
        }
    }

    // MARK: Tags

    private mutating func startTag() throws(XMLParseError) -> Event {
        let start = pos
        pos += 1
        guard pos < bytes.count, Self.isNameStart(bytes[pos]) else {
            throw XMLParseError(.malformed, "expected an element name after '<'", at: position(pos))
        }
        let name = name()
        if open.isEmpty && sawRoot {
            throw XMLParseError(.malformed, "a second root element <\(name)>; a document has exactly one root element", at: position(start))
        }
        guard open.count < limits.maxDepth else {
            throw XMLParseError(.limitExceeded, "elements nest deeper than \(limits.maxDepth) levels", at: position(start))
        }
        var attributes: [XMLAttribute] = []
        while true {
            let hadSpace = skipSpace()
            guard pos < bytes.count else { throw unclosedTag(name, start) }
            if bytes[pos] == UInt8(ascii: ">") {
                pos += 1
                break
            }
            if has("/>") {
                pos += 2
                pendingEnd = name
                break
            }
            guard hadSpace, Self.isNameStart(bytes[pos]) else {
                throw XMLParseError(.malformed, hadSpace ? "expected an attribute name, '>' or '/>' in <\(name)>"
                                    : "expected whitespace, '>' or '/>' after '\(attributes.last?.name ?? name)' in <\(name)>", at: position(pos))
            }
            let attributeStart = pos
            let attribute = try self.attribute(in: name)
            if attributes.contains(where: { $0.name == attribute.name }) {
                throw XMLParseError(.malformed, "attribute '\(attribute.name)' appears twice in <\(name)>", at: position(attributeStart))
            }
            guard attributes.count < limits.maxAttributes else {
                throw XMLParseError(.limitExceeded, "<\(name)> has more than \(limits.maxAttributes) attributes", at: position(attributeStart))
            }
            attributes.append(attribute)
        }
        open.append((name, start))
        sawRoot = true
        return .startElement(name: name, attributes: attributes, position: position(start))
    }

    private mutating func attribute(in element: String) throws(XMLParseError) -> XMLAttribute {
        let name = name()
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "=") else {
            throw XMLParseError(.malformed, "expected '=' after attribute '\(name)' in <\(element)>", at: position(pos))
        }
        pos += 1
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") || bytes[pos] == UInt8(ascii: "'") else {
            throw XMLParseError(.malformed, "expected a quoted value for attribute '\(name)' in <\(element)>", at: position(pos))
        }
        let quote = bytes[pos]
        let open = pos
        pos += 1
        var value: [UInt8] = []
        while true {
            guard pos < bytes.count else {
                throw XMLParseError(.malformed, "the value of attribute '\(name)' is not closed", at: position(open))
            }
            let c = bytes[pos]
            if c == quote { pos += 1; break }
            switch c {
            case UInt8(ascii: "<"):
                throw XMLParseError(.malformed, "'<' is not allowed in an attribute value; write &lt;", at: position(pos))
            case UInt8(ascii: "&"):
                value += try reference()
            case 0x0D:
                // Attribute-value normalization: a CR LF pair is one space, as is each tab/CR/LF.
                pos += 1
                if pos < bytes.count, bytes[pos] == 0x0A { pos += 1 }
                value.append(0x20)
            case 0x09, 0x0A:
                pos += 1
                value.append(0x20)
            default:
                pos += 1
                value.append(c)
            }
        }
        return XMLAttribute(name: name, value: String(decoding: value, as: UTF8.self))
    }

    private mutating func endTag() throws(XMLParseError) -> Event {
        let start = pos
        pos += 2
        guard pos < bytes.count, Self.isNameStart(bytes[pos]) else {
            throw XMLParseError(.malformed, "expected an element name after '</'", at: position(pos))
        }
        let name = name()
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ">") else {
            throw XMLParseError(.malformed, "expected '>' to close </\(name)", at: position(pos))
        }
        pos += 1
        guard let last = open.last else {
            throw XMLParseError(.malformed, "end tag </\(name)> without a matching start tag", at: position(start))
        }
        guard last.name == name else {
            throw XMLParseError(.malformed, "end tag </\(name)> does not match <\(last.name)> opened at \(position(last.offset))",
                                at: position(start))
        }
        open.removeLast()
        return .endElement(name: name)
    }

    private mutating func unclosedTag(_ name: String, _ start: Int) -> XMLParseError {
        XMLParseError(.malformed, "the start tag <\(name)> is not closed with '>'", at: position(start))
    }

    // MARK: Helpers

    mutating func position(_ offset: Int) -> SourcePosition { locator.position(of: offset) }

    func has(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard pos + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { lit in
            for i in 0..<count where bytes[pos + i] != lit[i] { return false }
            return true
        }
    }

    /// Skips XML whitespace; returns whether there was any.
    @discardableResult
    mutating func skipSpace() -> Bool {
        let start = pos
        while pos < bytes.count, Self.isSpace(bytes[pos]) { pos += 1 }
        return pos > start
    }

    /// A name starting at `pos` (the caller has checked the first byte).
    mutating func name() -> String {
        let start = pos
        pos += 1
        while pos < bytes.count, Self.isNameChar(bytes[pos]) { pos += 1 }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    static func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\n" || s == "\r" }

    /// ASCII letters, '_', ':' and any non-ASCII character (validated as UTF-8 beforehand).
    static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b >= 0x80
    }

    static func isNameChar(_ b: UInt8) -> Bool {
        isNameStart(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }
}
