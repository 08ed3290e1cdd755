internal import FlotillaYAML

extension PipelineReader {
    static let benchmarkKeys = ["repeat", "warmup"]

    /// `jobs.<key>.benchmark`: a mapping with optional `repeat` (1-1000, default 5) and
    /// `warmup` (0-100, default 1), both YAML integers (no expressions: the
    /// coordinator reserves an agent by them before anything is evaluated). An empty mapping
    /// (`benchmark: {}`) takes both defaults.
    mutating func benchmark(_ node: YAMLNode, _ what: String) -> BenchmarkSpec? {
        guard let pairs = node.mapping else {
            error("\(what): expected a mapping with 'repeat' and 'warmup' (for example {repeat: 5, warmup: 1}), "
                  + "found \(Self.describe(node))", at: loc(node))
            return nil
        }
        var repeatCount = BenchmarkSpec.defaultRepeat, warmup = BenchmarkSpec.defaultWarmup
        var valid = true
        for field in fields(pairs, allowed: Self.benchmarkKeys, in: "'\(what)'") {
            switch field.name {
            case "repeat":
                if let n = benchmarkCount(field.value, "\(what).repeat", range: BenchmarkSpec.allowedRepeat,
                                          noun: "measured iterations") { repeatCount = n } else { valid = false }
            case "warmup":
                if let n = benchmarkCount(field.value, "\(what).warmup", range: BenchmarkSpec.allowedWarmup,
                                          noun: "warm-up iterations") { warmup = n } else { valid = false }
            default: preconditionFailure("unhandled benchmark key \(field.name)")
            }
        }
        return valid ? BenchmarkSpec(repeatCount: repeatCount, warmup: warmup) : nil
    }

    /// A whole number in `range`, written as a YAML integer (`5`; not `5.0`, not `"5"`).
    private mutating func benchmarkCount(_ node: YAMLNode, _ what: String, range: ClosedRange<Int>, noun: String) -> Int? {
        let expected = "expected a whole number of \(noun) from \(range.lowerBound) to \(range.upperBound)"
        switch node.scalar?.resolved {
        case .int(let n) where range.contains(n):
            return n
        case .string(let s) where s.contains("${{"):
            error("invalid '\(what)': expressions are not supported here; \(expected)", at: loc(node))
        default:
            error("invalid '\(what)': \(expected), found \(Self.describe(node))", at: loc(node))
        }
        return nil
    }
}
