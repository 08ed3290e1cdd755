/// FlotillaYAML: the libyaml door. It turns YAML text into a `YAMLNode` tree in which every
/// node, including every mapping key, keeps the 1-based line and column where it started, so
/// that the pipeline loader can point at the exact spot of a mistake. Anchors, aliases and merge
/// keys are resolved here; nothing outside this module sees libyaml.

/// A 1-based position in the source text.
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in characters (Unicode scalars) as libyaml counts them.
    public var column: Int

    public init(line: Int, column: Int) { self.line = line; self.column = column }

    public static func < (a: Mark, b: Mark) -> Bool { (a.line, a.column) < (b.line, b.column) }

    public var description: String { "\(line):\(column)" }
}

/// How a scalar was written; a quoted `"true"` is a string, a plain `true` is a boolean.
public enum ScalarStyle: Sendable, Hashable {
    case plain
    case singleQuoted
    case doubleQuoted
    case literal
    case folded

    /// Whether the scalar was written without quotes or block indicators (only these are
    /// resolved to null, booleans and numbers).
    public var isPlain: Bool { self == .plain }
}

/// A scalar node's text, how it was written, and an explicit tag such as `!!str` if any.
public struct YAMLScalar: Sendable, Hashable {
    public var text: String
    public var style: ScalarStyle
    /// The resolved tag when one was written explicitly (`tag:yaml.org,2002:str`), else nil.
    public var tag: String?

    public init(text: String, style: ScalarStyle = .plain, tag: String? = nil) {
        self.text = text; self.style = style; self.tag = tag
    }
}

/// One key/value entry of a mapping, in source order.
public struct YAMLPair: Sendable, Equatable {
    public var key: YAMLNode
    public var value: YAMLNode
    public init(key: YAMLNode, value: YAMLNode) { self.key = key; self.value = value }
}

/// A YAML node with the position where it starts.
public struct YAMLNode: Sendable, Equatable {
    /// What the node holds.
    public indirect enum Content: Sendable, Equatable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Ordered pairs; keys are unique (duplicates are rejected by the parser).
        case mapping([YAMLPair])
    }

    public var content: Content
    /// Where the node starts (for an alias: where the alias was written).
    public var mark: Mark

    public init(_ content: Content, mark: Mark) { self.content = content; self.mark = mark }

    /// A plain scalar node, handy for tests and defaults.
    public static func scalar(_ text: String, style: ScalarStyle = .plain, at mark: Mark) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(text: text, style: style)), mark: mark)
    }

    /// The scalar payload, if this is a scalar.
    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    /// The items, if this is a sequence.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The pairs, if this is a mapping.
    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// A short noun for messages: "string", "number", "boolean", "null", "sequence", "mapping".
    public var kindDescription: String {
        switch content {
        case .sequence: return "sequence"
        case .mapping: return "mapping"
        case .scalar(let s):
            switch s.resolved {
            case .null: return "null"
            case .bool: return "boolean"
            case .int, .double: return "number"
            case .string: return "string"
            }
        }
    }

    /// Structural equality that ignores marks (used for duplicate-key detection).
    public func sameContent(as other: YAMLNode) -> Bool {
        switch (content, other.content) {
        case (.scalar(let a), .scalar(let b)):
            return a.text == b.text
        case (.sequence(let a), .sequence(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameContent(as: $1) }
        case (.mapping(let a), .mapping(let b)):
            return a.count == b.count && zip(a, b).allSatisfy {
                $0.key.sameContent(as: $1.key) && $0.value.sameContent(as: $1.value)
            }
        default:
            return false
        }
    }

    /// Looks up a mapping value by a scalar key's text.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar?.text == key }?.value
    }
}
