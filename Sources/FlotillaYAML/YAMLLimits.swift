/// Bounds that keep a hostile or broken file from exhausting memory or the stack.
public struct YAMLLimits: Sendable, Equatable {
    /// Largest accepted input, in UTF-8 bytes.
    public var maxBytes: Int
    /// Deepest nesting of sequences and mappings (after alias expansion).
    public var maxDepth: Int
    /// Total nodes that alias expansion may copy (stops "billion laughs" documents).
    public var maxAliasNodes: Int

    public init(maxBytes: Int = 4 << 20, maxDepth: Int = 64, maxAliasNodes: Int = 10_000) {
        self.maxBytes = maxBytes; self.maxDepth = maxDepth; self.maxAliasNodes = maxAliasNodes
    }
}
