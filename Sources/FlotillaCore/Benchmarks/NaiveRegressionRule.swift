/// The rule many teams start with: a commit regressed when its mean is more than a fixed
/// factor above the previous commit's mean. Kept as the reference the detector is measured
/// against.
public enum NaiveRegressionRule {
    /// Commits whose mean exceeds `factor` × the mean of the previous commit with samples.
    ///
    /// Like the rule it reproduces, it ignores machine classes, noise and persistence.
    public static func flags(samples: [[Double]], factor: Double = 1.2) -> [Int] {
        var flags: [Int] = []
        var previous: Double?
        for (k, commit) in samples.enumerated() where !commit.isEmpty {
            let mean = commit.reduce(0, +) / Double(commit.count)
            if let previous, mean > factor * previous { flags.append(k) }
            previous = mean
        }
        return flags
    }
}
