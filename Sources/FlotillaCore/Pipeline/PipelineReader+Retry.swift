internal import FlotillaYAML

extension PipelineReader {
    static let retryKeys = ["max", "on"]

    /// `jobs.<key>.retry`: `max` (0-10 extra attempts) and `on` (`agent-lost`, `failure`, or a
    /// list of them; default `agent-lost`).
    mutating func retry(_ node: YAMLNode, _ what: String) -> RetryPolicy? {
        guard let pairs = mapping(node, what) else { return nil }
        var policy = RetryPolicy(maxRetries: RetryPolicy.default.maxRetries, on: [.agentLost])
        for field in fields(pairs, allowed: Self.retryKeys, in: "'\(what)'") {
            switch field.name {
            case "max":
                guard let t = number(field.value, "\(what).max", expected: "a whole number of retries") else { continue }
                guard case .number(let n) = t.value, n == n.rounded(), n >= 0, n <= Double(RetryPolicy.maxAllowed) else {
                    error("invalid '\(what).max': expected a whole number of retries from 0 to \(RetryPolicy.maxAllowed), found \(t.text)",
                          at: t.location)
                    continue
                }
                policy.maxRetries = Int(n)
            case "on":
                let words = field.value.sequence.map { $0 } ?? [field.value]
                var reasons: Set<RetryPolicy.Reason> = []
                for word in words {
                    guard let t = text(word, "\(what).on"), case .string(let name) = t.value,
                          let reason = RetryPolicy.Reason(rawValue: name) else {
                        let allowed = RetryPolicy.Reason.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                        error("invalid '\(what).on': expected \(allowed) or a list of them, found \(Self.describe(word))",
                              at: loc(word))
                        continue
                    }
                    reasons.insert(reason)
                }
                policy.on = reasons
            default: preconditionFailure("unhandled retry key \(field.name)")
            }
        }
        return policy
    }
}
