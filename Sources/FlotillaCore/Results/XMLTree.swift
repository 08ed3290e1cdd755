/// An XML document as a tree of elements and text, built by `XMLPullParser`.
///
/// Comments and processing instructions are not kept. Adjacent text and CDATA runs are merged
/// into one text node. The tree holds at most `XMLLimits.maxNodes` nodes.
public enum XMLTree {
    /// A child of an element.
    public indirect enum Node: Sendable, Equatable {
        case element(Element)
        case text(String)
    }

    /// An element with its attributes, children and where its start tag is.
    public struct Element: Sendable, Equatable {
        public var name: String
        public var attributes: [XMLAttribute]
        public var children: [Node]
        public var position: SourcePosition

        public init(name: String, attributes: [XMLAttribute] = [], children: [Node] = [], position: SourcePosition) {
            self.name = name; self.attributes = attributes; self.children = children; self.position = position
        }

        /// The value of the attribute `name`, if present.
        public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }

        /// The child elements, in document order.
        public var elements: [Element] {
            children.compactMap { if case .element(let e) = $0 { e } else { nil } }
        }

        /// The child elements named `name`.
        public func elements(named name: String) -> [Element] { elements.filter { $0.name == name } }

        /// The concatenated text of the direct text children (not of nested elements).
        public var text: String {
            children.reduce(into: "") { if case .text(let t) = $1 { $0 += t } }
        }
    }

    /// Parses a whole document and returns its root element.
    ///
    /// - Parameters:
    ///   - bytes: The document (UTF-8, or ISO-8859-1 when declared).
    ///   - limits: Size, depth, attribute and node-count bounds.
    /// - Throws: `XMLParseError` with the position of the first problem.
    public static func parse(_ bytes: [UInt8], limits: XMLLimits = .init()) throws(XMLParseError) -> Element {
        var parser = try XMLPullParser(bytes: bytes, limits: limits)
        var stack: [Element] = []
        var nodes = 0
        while let event = try parser.next() {
            switch event {
            case .startElement(let name, let attributes, let position):
                nodes += 1
                guard nodes <= limits.maxNodes else {
                    throw XMLParseError(.limitExceeded, "the document has more than \(limits.maxNodes) nodes", at: position)
                }
                stack.append(Element(name: name, attributes: attributes, position: position))
            case .endElement:
                let done = stack.removeLast()
                if stack.isEmpty { return try finish(done, &parser) }
                stack[stack.count - 1].children.append(.element(done))
            case .text(let text, let position):
                let last = stack.count - 1
                if case .text(let previous)? = stack[last].children.last {
                    stack[last].children[stack[last].children.count - 1] = .text(previous + text)
                } else {
                    nodes += 1
                    guard nodes <= limits.maxNodes else {
                        throw XMLParseError(.limitExceeded, "the document has more than \(limits.maxNodes) nodes", at: position)
                    }
                    stack[last].children.append(.text(text))
                }
            }
        }
        preconditionFailure("XMLPullParser ended without closing its root element")
    }

    /// Reads past the root's end tag so trailing garbage is still an error.
    private static func finish(_ root: Element, _ parser: inout XMLPullParser) throws(XMLParseError) -> Element {
        if let extra = try parser.next() {
            preconditionFailure("XMLPullParser produced \(extra) after the root element")
        }
        return root
    }
}
