/// Builds a node tree from parser events, resolving anchors, aliases and merge keys.
///
/// Kept apart from the libyaml calls so the tree rules (duplicate keys, `<<` merges, alias
/// budget, depth) are plain Swift with no C in sight.
struct YAMLTreeBuilder {
    private enum Frame {
        case sequence(mark: Mark, anchor: String?, items: [YAMLNode])
        case mapping(mark: Mark, anchor: String?, nodes: [YAMLNode])
    }

    let file: String
    let limits: YAMLLimits
    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var aliasNodesUsed = 0
    private(set) var root: YAMLNode?

    init(file: String, limits: YAMLLimits) { self.file = file; self.limits = limits }

    mutating func scalar(_ scalar: YAMLScalar, anchor: String?, at mark: Mark) throws(YAMLError) {
        try add(YAMLNode(.scalar(scalar), mark: mark), anchor: anchor)
    }

    mutating func alias(_ name: String, at mark: Mark) throws(YAMLError) {
        guard var node = anchors[name] else {
            throw YAMLError(file: file, at: mark, "alias '*\(name)' refers to an anchor '&\(name)' that is not defined before it")
        }
        let remaining = limits.maxAliasNodes - aliasNodesUsed
        let (size, depth) = Self.measure(node, budget: remaining)
        guard size <= remaining else {
            throw YAMLError(file: file, at: mark, "aliases expand to more than \(limits.maxAliasNodes) nodes; the file is too large after alias expansion")
        }
        guard stack.count + depth <= limits.maxDepth else {
            throw YAMLError(file: file, at: mark, "alias '*\(name)' nests the document deeper than \(limits.maxDepth) levels")
        }
        aliasNodesUsed += size
        node.mark = mark
        try add(node, anchor: nil)
    }

    mutating func startSequence(anchor: String?, at mark: Mark) throws(YAMLError) {
        try checkDepth(mark)
        stack.append(.sequence(mark: mark, anchor: anchor, items: []))
    }

    mutating func endSequence() throws(YAMLError) {
        guard case .sequence(let mark, let anchor, let items)? = stack.popLast() else {
            preconditionFailure("libyaml ended a sequence that was not open")
        }
        try add(YAMLNode(.sequence(items), mark: mark), anchor: anchor)
    }

    mutating func startMapping(anchor: String?, at mark: Mark) throws(YAMLError) {
        try checkDepth(mark)
        stack.append(.mapping(mark: mark, anchor: anchor, nodes: []))
    }

    mutating func endMapping() throws(YAMLError) {
        guard case .mapping(let mark, let anchor, let nodes)? = stack.popLast() else {
            preconditionFailure("libyaml ended a mapping that was not open")
        }
        precondition(nodes.count % 2 == 0, "libyaml ended a mapping with a key and no value")
        var pairs: [YAMLPair] = []
        pairs.reserveCapacity(nodes.count / 2)
        var i = 0
        while i < nodes.count { pairs.append(YAMLPair(key: nodes[i], value: nodes[i + 1])); i += 2 }
        let merged = try Self.resolveMerges(try checkDuplicates(pairs), file: file)
        try add(YAMLNode(.mapping(merged), mark: mark), anchor: anchor)
    }

    private func checkDepth(_ mark: Mark) throws(YAMLError) {
        if stack.count >= limits.maxDepth {
            throw YAMLError(file: file, at: mark, "the document nests deeper than \(limits.maxDepth) levels")
        }
    }

    private mutating func add(_ node: YAMLNode, anchor: String?) throws(YAMLError) {
        if let anchor { anchors[anchor] = node }
        switch stack.popLast() {
        case nil:
            root = node
        case .sequence(let mark, let a, var items)?:
            items.append(node)
            stack.append(.sequence(mark: mark, anchor: a, items: items))
        case .mapping(let mark, let a, var nodes)?:
            nodes.append(node)
            stack.append(.mapping(mark: mark, anchor: a, nodes: nodes))
        }
    }

    /// Rejects a key written twice, naming both positions.
    private func checkDuplicates(_ pairs: [YAMLPair]) throws(YAMLError) -> [YAMLPair] {
        var seen: [String: Mark] = [:]
        var complex: [YAMLNode] = []
        for pair in pairs {
            if let s = pair.key.scalar {
                if Self.isMergeKey(s) { continue }
                if let first = seen[s.text] {
                    throw YAMLError(file: file, at: pair.key.mark,
                                    "duplicate key '\(s.text)': it is already defined at line \(first.line), column \(first.column)")
                }
                seen[s.text] = pair.key.mark
            } else {
                if let first = complex.first(where: { $0.sameContent(as: pair.key) }) {
                    throw YAMLError(file: file, at: pair.key.mark,
                                    "duplicate key: the same \(pair.key.kindDescription) key is already defined at line \(first.mark.line), column \(first.mark.column)")
                }
                complex.append(pair.key)
            }
        }
        return pairs
    }

    private static func isMergeKey(_ s: YAMLScalar) -> Bool {
        s.text == "<<" && s.style == .plain && (s.tag == nil || s.tag == "tag:yaml.org,2002:merge")
    }

    /// Applies `<<` merge keys: explicit keys win, then earlier merged maps win over later ones.
    private static func resolveMerges(_ pairs: [YAMLPair], file: String) throws(YAMLError) -> [YAMLPair] {
        guard pairs.contains(where: { $0.key.scalar.map(isMergeKey) ?? false }) else { return pairs }
        var takenScalars: Set<String> = []
        var takenComplex: [YAMLNode] = []
        func take(_ key: YAMLNode) {
            if let s = key.scalar { takenScalars.insert(s.text) } else { takenComplex.append(key) }
        }
        func isTaken(_ key: YAMLNode) -> Bool {
            if let s = key.scalar { return takenScalars.contains(s.text) }
            return takenComplex.contains { $0.sameContent(as: key) }
        }
        for pair in pairs where !(pair.key.scalar.map(isMergeKey) ?? false) { take(pair.key) }
        var result: [YAMLPair] = []
        for pair in pairs {
            guard let s = pair.key.scalar, isMergeKey(s) else { result.append(pair); continue }
            let sources: [YAMLNode]
            switch pair.value.content {
            case .mapping: sources = [pair.value]
            case .sequence(let items) where items.allSatisfy({ $0.mapping != nil }): sources = items
            default:
                throw YAMLError(file: file, at: pair.value.mark,
                                "merge key '<<' expects a mapping or a list of mappings, found \(pair.value.kindDescription)")
            }
            for source in sources {
                for merged in source.mapping ?? [] where !isTaken(merged.key) {
                    take(merged.key)
                    result.append(merged)
                }
            }
        }
        return result
    }

    /// Node count and nesting depth of a subtree, stopping early once the count passes `budget`.
    static func measure(_ node: YAMLNode, budget: Int) -> (size: Int, depth: Int) {
        var size = 0
        var maxDepth = 0
        var work: [(YAMLNode, Int)] = [(node, 0)]
        while let (n, d) = work.popLast() {
            size += 1
            if size > budget { return (size, maxDepth) }
            switch n.content {
            case .scalar: break
            case .sequence(let items):
                maxDepth = max(maxDepth, d + 1)
                for item in items { work.append((item, d + 1)) }
            case .mapping(let pairs):
                maxDepth = max(maxDepth, d + 1)
                for p in pairs { work.append((p.key, d + 1)); work.append((p.value, d + 1)) }
            }
        }
        return (size, maxDepth)
    }
}
