/// What a gate checks.
public enum GateKind: String, Sendable, Equatable, CaseIterable {
    /// JUnit results: at most `max-failures` failed or errored test cases.
    case tests
    /// Cobertura/lcov results: line coverage of at least `min` percent.
    case coverage
    /// SARIF results: at most `max-critical` critical and `max-high` high findings.
    case security
    /// Job outcomes: every listed job (or every job) succeeded.
    case jobs
    /// Benchmark samples: no confirmed regression above `max-regression` against the history
    /// on the same machine class.
    case performance
}

/// One entry of the top-level `gates:` list: a question the verdict must answer.
///
/// ```yaml
/// gates:
///   - name: unit tests
///     kind: tests
///     max-failures: 0
///   - name: coverage
///     kind: coverage
///     min: 80
///     blocking: false      # advisory: a failure is reported as a warning
///   - name: security
///     kind: security
///     max-critical: 0
///     max-high: 2
///     critical: false      # skipped by `flotilla run --emergency`
///   - name: builds
///     kind: jobs
///     jobs: [build, package]
///   - name: speed
///     kind: performance
///     max-regression: 20%  # a confirmed regression above this fails
///     min-effect: 5%       # smaller changes are noise; between the two warns
/// ```
public struct GateSpec: Sendable, Equatable {
    /// The check and its thresholds.
    public enum Rule: Sendable, Equatable {
        /// At most this many failed or errored test cases (default 0).
        case tests(maxFailures: Int)
        /// Line coverage of at least this percentage (required, 0–100).
        case coverage(minPercent: Double)
        /// At most this many active findings of critical and of high security severity (defaults 0).
        case security(maxCritical: Int, maxHigh: Int)
        /// These job keys (every matrix combination of each), or every job when empty, succeeded.
        case jobs([String])
        /// No benchmark series regressed, confirmed by a re-run, by more than `maxRegressionPercent`
        /// (default 20); confirmed regressions above `minEffectPercent` (default 5) but within it
        /// warn. Both are percentages of the baseline: 0 < min-effect ≤ max-regression ≤ 1000.
        case performance(maxRegressionPercent: Double, minEffectPercent: Double)
    }

    /// Unique within the pipeline; what reports show.
    public var name: String
    public var rule: Rule
    /// A failing blocking gate fails the verdict; a failing advisory one is a warning.
    public var blocking: Bool
    /// Non-critical gates are skipped in an emergency run.
    public var critical: Bool

    public init(name: String, rule: Rule, blocking: Bool = true, critical: Bool = true) {
        self.name = name; self.rule = rule; self.blocking = blocking; self.critical = critical
    }

    public var kind: GateKind {
        switch rule {
        case .tests: return .tests
        case .coverage: return .coverage
        case .security: return .security
        case .jobs: return .jobs
        case .performance: return .performance
        }
    }

    /// The threshold as reports show it, in the pipeline's own words (`max-failures 0`, `min 80%`).
    public var threshold: String {
        switch rule {
        case .tests(let max): return "max-failures \(max)"
        case .coverage(let min): return "min \(GateFormat.number(min))%"
        case .security(let critical, let high): return "max-critical \(critical), max-high \(high)"
        case .jobs(let keys): return keys.isEmpty ? "all jobs succeed" : "jobs succeed: \(keys.joined(separator: ", "))"
        case .performance(let maxRegression, let minEffect):
            return "max-regression \(GateFormat.number(maxRegression))%, min-effect \(GateFormat.number(minEffect))%"
        }
    }
}

/// Number formatting shared by gate texts.
enum GateFormat {
    /// Whole numbers plainly, others rounded to at most two decimals (`80`, `72.5`, `33.33`).
    static func number(_ n: Double) -> String {
        guard n.isFinite, abs(n) < 1e12 else { return "\(n)" }
        let hundredths = Int((n * 100).rounded())
        return decimal(hundredths, trimZeros: true)
    }

    /// `covered / valid` as a percentage truncated (not rounded) to two decimals with exact
    /// integer arithmetic, so 79.999% never shows as 80.00%.
    static func percent(covered: Int, valid: Int) -> String {
        guard valid > 0 else { return "100.00%" }
        let hundredths = covered.multipliedReportingOverflow(by: 10_000)
        let value = hundredths.overflow ? Int(Double(covered) / Double(valid) * 10_000) : hundredths.partialValue / valid
        return decimal(value, trimZeros: false) + "%"
    }

    /// `hundredths / 100` written with two decimals (or fewer when trimming).
    private static func decimal(_ hundredths: Int, trimZeros: Bool) -> String {
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let fraction = magnitude % 100
        var text = "\(sign)\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
        if trimZeros {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
