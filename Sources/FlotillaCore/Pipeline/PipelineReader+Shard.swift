internal import FlotillaYAML

extension PipelineReader {
    static let shardKeys = ["count", "list", "files"]

    /// `jobs.<key>.shard`: `count` (1-256 or `auto`) and exactly one of `list` (a command
    /// printing test ids) or `files` (a glob). `key` is where `shard:` is written; errors about
    /// missing members point there.
    mutating func shard(_ node: YAMLNode, _ what: String, key: SourcePosition) -> PipelineShard? {
        guard let pairs = node.mapping else {
            error("\(what): expected a mapping with 'count' and one of 'list' or 'files', found \(Self.describe(node))",
                  at: loc(node))
            return nil
        }
        var count: Located<ShardSpec.Count>?
        var source: PipelineShard.Source?
        var sourceKey: String?
        var sawCount = false, valid = true
        for field in fields(pairs, allowed: Self.shardKeys, in: "'\(what)'") {
            switch field.name {
            case "count":
                sawCount = true
                count = shardCount(field.value, "\(what).count")
            case "list", "files":
                if let first = sourceKey {
                    error("\(what): give either 'list' or 'files', not both ('\(first)' is already given)", at: loc(field.key))
                    valid = false
                    continue
                }
                sourceKey = field.name
                source = field.name == "list" ? shardList(field.value, "\(what).list")
                    : shardFiles(field.value, "\(what).files")
            default: preconditionFailure("unhandled shard key \(field.name)")
            }
        }
        if !sawCount {
            error("\(what) has no 'count'; give a whole number of shards from 1 to \(ShardSpec.maxCount) or 'auto'", at: key)
        }
        if sourceKey == nil {
            error("\(what) needs 'list' (a command that prints test ids, one per line) or 'files' (a glob of test files)", at: key)
        }
        guard valid, let count, let source else { return nil }
        return PipelineShard(count: count, source: source, location: key)
    }

    private mutating func shardCount(_ node: YAMLNode, _ what: String) -> Located<ShardSpec.Count>? {
        let expected = "expected a whole number of shards from 1 to \(ShardSpec.maxCount) or 'auto'"
        let at = loc(node)
        switch node.scalar?.resolved {
        case .int(let n) where (1...ShardSpec.maxCount).contains(n):
            return Located(.fixed(n), at: at)
        case .double(let d) where d == d.rounded() && d >= 1 && d <= Double(ShardSpec.maxCount):
            return Located(.fixed(Int(d)), at: at)
        case .int(let n) where n > ShardSpec.maxCount:
            error("invalid '\(what)': at most \(ShardSpec.maxCount) shards, found \(n)", at: at)
        case .string("auto"):
            return Located(.auto, at: at)
        case .string(let s) where s.contains("${{"):
            error("invalid '\(what)': expressions are not supported here; \(expected)", at: at)
        default:
            error("invalid '\(what)': \(expected), found \(Self.describe(node))", at: at)
        }
        return nil
    }

    private mutating func shardList(_ node: YAMLNode, _ what: String) -> PipelineShard.Source? {
        guard let command = shardText(node, what, expected: "a command that prints test ids, one per line") else { return nil }
        return .list(command)
    }

    /// A glob without expressions is checked here, with the column of the problem; one with
    /// expressions is checked by the planner once they are resolved.
    private mutating func shardFiles(_ node: YAMLNode, _ what: String) -> PipelineShard.Source? {
        guard let glob = shardText(node, what, expected: "a glob of test files such as 'tests/**/test_*.py'") else { return nil }
        if !glob.hasExpression {
            do {
                _ = try ShardGlob(glob.text)
            } catch {
                self.error("invalid '\(what)': \(error.message)", at: glob.location(ofOffset: error.offset))
                return nil
            }
        }
        return .files(glob)
    }

    /// A non-blank string scalar (expressions syntax-checked).
    private mutating func shardText(_ node: YAMLNode, _ what: String, expected: String) -> PipelineText? {
        guard let scalar = node.scalar, case .string(let s) = scalar.resolved else {
            error("invalid '\(what)': expected \(expected), found \(Self.describe(node))", at: loc(node))
            return nil
        }
        guard !s.trimmingWhitespace.isEmpty else {
            error("invalid '\(what)': it is empty; expected \(expected)", at: loc(node))
            return nil
        }
        return text(node, what)
    }
}
