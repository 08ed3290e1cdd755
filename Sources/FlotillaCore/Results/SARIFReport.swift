/// The findings of one SARIF 2.1.0 file, with counts by level and by security severity.
public struct SARIFReport: Sendable, Equatable {
    /// Every result of every run, in file order (suppressed ones included, marked).
    public var findings: [Finding]

    public init(findings: [Finding]) { self.findings = findings }

    /// Findings that were not suppressed; only these count.
    public var active: [Finding] { findings.filter { !$0.suppressed } }

    /// Active findings with a security severity of 9.0 or more.
    public var critical: Int { count(.critical) }
    /// Active findings with a security severity from 7.0 to below 9.0.
    public var high: Int { count(.high) }
    /// Active findings with a security severity from 4.0 to below 7.0.
    public var medium: Int { count(.medium) }
    /// Active findings with a security severity below 4.0.
    public var low: Int { count(.low) }
    /// Active findings without a security severity (quality rules, tools that do not rate).
    public var unrated: Int { active.filter { $0.severity == nil }.count }

    /// Active findings at `level`.
    public func count(_ level: SARIFLevel) -> Int { active.filter { $0.level == level }.count }

    /// Active findings in the security-severity band `band`.
    public func count(_ band: SecuritySeverity) -> Int { active.filter { $0.severityBand == band }.count }
}

/// One SARIF result.
public struct Finding: Sendable, Equatable {
    /// The rule's id (`ruleId`, `rule.id`, or the id of the rule found by index); "" if none.
    public var ruleId: String
    public var level: SARIFLevel
    /// `properties.security-severity` of the result, else of its rule (0–10), if either has one.
    public var severity: Double?
    public var message: String
    /// `uri:line:column` of the first location (as much of it as is known); "" if none.
    public var location: String
    /// Suppressed in source or by a reviewer (a suppression whose status is absent or `accepted`).
    public var suppressed: Bool

    public init(ruleId: String, level: SARIFLevel, severity: Double? = nil, message: String, location: String = "", suppressed: Bool = false) {
        self.ruleId = ruleId; self.level = level; self.severity = severity; self.message = message
        self.location = location; self.suppressed = suppressed
    }

    /// The band `severity` falls in, if it has one.
    public var severityBand: SecuritySeverity? { severity.map(SecuritySeverity.init(score:)) }
}

/// SARIF's `level`.
public enum SARIFLevel: String, Sendable, Equatable, CaseIterable {
    case none
    case note
    case warning
    case error
}

/// GitHub code scanning's bands for `security-severity` (a CVSS-like score from 0 to 10).
public enum SecuritySeverity: String, Sendable, Equatable, CaseIterable {
    case low
    case medium
    case high
    case critical

    /// ≥ 9.0 critical, ≥ 7.0 high, ≥ 4.0 medium, else low.
    public init(score: Double) {
        switch score {
        case 9.0...: self = .critical
        case 7.0..<9.0: self = .high
        case 4.0..<7.0: self = .medium
        default: self = .low
        }
    }
}
