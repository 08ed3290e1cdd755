internal import FlotillaYAML

extension PipelineReader {
    static let gateCommonKeys = ["name", "kind", "blocking", "critical"]
    static let gateKindKeys: [GateKind: [String]] = [
        .tests: ["max-failures"], .coverage: ["min"], .security: ["max-critical", "max-high"], .jobs: ["jobs"],
        .performance: ["max-regression", "min-effect"],
    ]
    /// A `performance` gate's thresholds when the pipeline leaves them out, in percent.
    static let defaultMaxRegressionPercent = 20.0
    static let defaultMinEffectPercent = 5.0
    /// The largest `max-regression` accepted, in percent.
    static let largestRegressionPercent = 1000.0

    /// A job key named by a `jobs` gate, checked once all jobs are read.
    struct GateJobReference {
        var gate: String
        var job: Located<String>
    }

    /// The top-level `gates:` list. Gates hold no expressions: they are judged after the run,
    /// with nothing left to resolve.
    mutating func gates(_ node: YAMLNode) -> (gates: [GateSpec], jobs: [GateJobReference]) {
        guard let items = node.sequence else {
            error("gates: expected a list of gates such as '- {name: unit tests, kind: tests}', found \(Self.describe(node))", at: loc(node))
            return ([], [])
        }
        var specs: [GateSpec] = []
        var references: [GateJobReference] = []
        var names: [String: SourcePosition] = [:]
        for (index, item) in items.enumerated() {
            guard let found = gate(item, "gates[\(index)]") else { continue }
            let (spec, location, jobs) = found
            if let first = names[spec.name] {
                error("gate name '\(spec.name)' is already used by the gate at line \(first.line), column \(first.column)", at: location)
                continue
            }
            names[spec.name] = location
            specs.append(spec)
            references += jobs.map { GateJobReference(gate: spec.name, job: $0) }
        }
        return (specs, references)
    }

    /// Reports `jobs` gates naming keys that are not jobs of the workflow.
    mutating func checkGateJobs(_ references: [GateJobReference], _ jobs: [PipelineJob]) {
        let keys = Set(jobs.map(\.key))
        for reference in references where !keys.contains(reference.job.value) {
            let hint = jobs.isEmpty ? "" : "; jobs are: \(jobs.map(\.key).joined(separator: ", "))"
            error("gate '\(reference.gate)' lists '\(reference.job.value)', which is not a job in this workflow\(hint)", at: reference.job.location)
        }
    }

    private mutating func gate(_ node: YAMLNode, _ what: String) -> (GateSpec, SourcePosition, [Located<String>])? {
        guard let pairs = node.mapping else {
            error("\(what): expected a mapping with 'name' and 'kind', found \(Self.describe(node))", at: loc(node))
            return nil
        }
        let kindNode = pairs.first { $0.key.scalar?.text == "kind" }?.value
        var kind: GateKind?
        if let kindNode, let k = literal(kindNode, "\(what).kind") {
            kind = GateKind(rawValue: k.value)
            if kind == nil {
                error("\(what).kind: unknown gate kind '\(k.value)'; expected one of \(GateKind.allCases.map(\.rawValue).joined(separator: ", "))",
                      at: k.location)
            }
        } else if kindNode == nil {
            error("\(what) has no 'kind'; expected one of \(GateKind.allCases.map(\.rawValue).joined(separator: ", "))", at: loc(node))
        }
        let nameText = pairs.first { $0.key.scalar?.text == "name" }?.value.scalar?.text
        let context = nameText.map { "gate '\($0)'" } ?? what
        // With an unknown kind, any kind's keys are accepted so one typo gives one error.
        let specific = kind.map { Self.gateKindKeys[$0]! } ?? GateKind.allCases.flatMap { Self.gateKindKeys[$0]! }
        var name: Located<String>?
        var blocking = true, critical = true
        var maxFailures = 0, maxCritical = 0, maxHigh = 0
        var minPercent: Double?
        var maxRegression: (value: Double, at: SourcePosition)?
        var minEffect: (value: Double, at: SourcePosition)?
        var jobs: [Located<String>] = []
        var valid = kind != nil
        for field in fields(pairs, allowed: Self.gateCommonKeys + specific, in: kind.map { "\(context) (kind \($0.rawValue))" } ?? context) {
            let at = "\(what).\(field.name)"
            switch field.name {
            case "kind": continue
            case "name":
                name = literal(field.value, at)
                if let n = name, n.value.trimmingWhitespace.isEmpty {
                    error("\(at): the gate name is empty", at: n.location)
                    name = nil
                }
                if name == nil { valid = false }
            case "blocking": if let b = flag(field.value, at) { blocking = b } else { valid = false }
            case "critical": if let b = flag(field.value, at) { critical = b } else { valid = false }
            case "max-failures": if let n = count(field.value, at) { maxFailures = n } else { valid = false }
            case "max-critical": if let n = count(field.value, at) { maxCritical = n } else { valid = false }
            case "max-high": if let n = count(field.value, at) { maxHigh = n } else { valid = false }
            case "min":
                minPercent = percentage(field.value, at)
                if minPercent == nil { valid = false }
            case "max-regression":
                maxRegression = relativeChange(field.value, at).map { ($0, loc(field.value)) }
                if maxRegression == nil { valid = false }
            case "min-effect":
                minEffect = relativeChange(field.value, at).map { ($0, loc(field.value)) }
                if minEffect == nil { valid = false }
            case "jobs":
                jobs = jobList(field.value, at)
                if jobs.isEmpty { valid = false }
            default:
                preconditionFailure("unhandled gate key \(field.name)")
            }
        }
        if !pairs.contains(where: { $0.key.scalar?.text == "name" }) {
            error("\(what) has no 'name'; every gate needs a name for reports", at: loc(node))
            valid = false
        }
        if kind == .coverage && !pairs.contains(where: { $0.key.scalar?.text == "min" }) {
            error("\(context) (kind coverage) has no 'min'; give the lowest acceptable line coverage in percent, such as 'min: 80'", at: loc(node))
            valid = false
        }
        let maxRegressionPercent = maxRegression?.value ?? Self.defaultMaxRegressionPercent
        let minEffectPercent = minEffect?.value ?? Self.defaultMinEffectPercent
        if kind == .performance, valid, minEffectPercent > maxRegressionPercent {
            error("\(context) (kind performance): min-effect \(GateFormat.number(minEffectPercent))% is larger than max-regression "
                  + "\(GateFormat.number(maxRegressionPercent))%; changes between the two warn, so min-effect must not exceed max-regression",
                  at: minEffect?.at ?? maxRegression?.at ?? loc(node))
            valid = false
        }
        guard valid, let kind, let name else { return nil }
        let rule: GateSpec.Rule
        switch kind {
        case .tests: rule = .tests(maxFailures: maxFailures)
        case .coverage: rule = .coverage(minPercent: minPercent ?? 0)
        case .security: rule = .security(maxCritical: maxCritical, maxHigh: maxHigh)
        case .jobs: rule = .jobs(jobs.map(\.value))
        case .performance: rule = .performance(maxRegressionPercent: maxRegressionPercent, minEffectPercent: minEffectPercent)
        }
        return (GateSpec(name: name.value, rule: rule, blocking: blocking, critical: critical), name.location, jobs)
    }

    private mutating func flag(_ node: YAMLNode, _ what: String) -> Bool? {
        guard case .bool(let b)? = node.scalar?.resolved else {
            error("invalid '\(what)': expected true or false, found \(Self.describe(node))", at: loc(node))
            return nil
        }
        return b
    }

    /// A whole number of at least 0.
    private mutating func count(_ node: YAMLNode, _ what: String) -> Int? {
        switch node.scalar?.resolved {
        case .int(let n)? where n >= 0: return n
        case .double(let d)? where d >= 0 && d == d.rounded() && d < 1e15: return Int(d)
        default:
            error("invalid '\(what)': expected a whole number of at least 0, found \(Self.describe(node))", at: loc(node))
            return nil
        }
    }

    /// A number from 0 to 100.
    private mutating func percentage(_ node: YAMLNode, _ what: String) -> Double? {
        let value: Double?
        switch node.scalar?.resolved {
        case .int(let n)?: value = Double(n)
        case .double(let d)?: value = d
        default: value = nil
        }
        guard let value, value.isFinite, (0...100).contains(value) else {
            error("invalid '\(what)': expected a percentage from 0 to 100, found \(Self.describe(node))", at: loc(node))
            return nil
        }
        return value
    }

    /// A relative change in percent, above 0 and at most 1000: `20%`, `12.5%`, or a plain number
    /// meaning percent (`20`).
    private mutating func relativeChange(_ node: YAMLNode, _ what: String) -> Double? {
        var value: Double?
        switch node.scalar?.resolved {
        case .int(let n)?: value = Double(n)
        case .double(let d)?: value = d
        case .string(let text)?:
            let trimmed = text.trimmingWhitespace
            if trimmed.hasSuffix("%") { value = Self.decimalNumber(String(trimmed.dropLast()).trimmingWhitespace) }
        default: value = nil
        }
        guard let value, value.isFinite, value > 0, value <= Self.largestRegressionPercent else {
            error("invalid '\(what)': expected a percentage above 0% and at most \(GateFormat.number(Self.largestRegressionPercent))%, "
                  + "such as '20%', found \(Self.describe(node))", at: loc(node))
            return nil
        }
        return value
    }

    /// `12`, `12.5`, `.5` (digits with at most one point; no sign, exponent or `inf`).
    private static func decimalNumber(_ text: String) -> Double? {
        let points = text.filter { $0 == "." }.count
        guard !text.isEmpty, points <= 1, text != ".", text.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }) else { return nil }
        return Double(text)
    }

    /// A job key or a non-empty list of job keys.
    private mutating func jobList(_ node: YAMLNode, _ what: String) -> [Located<String>] {
        let items = node.sequence ?? [node]
        if items.isEmpty {
            error("\(what): the list is empty; leave out 'jobs' to require every job", at: loc(node))
            return []
        }
        var result: [Located<String>] = []
        for item in items {
            guard let job = literal(item, what) else { return [] }
            if !result.contains(where: { $0.value == job.value }) { result.append(job) }
        }
        return result
    }
}
