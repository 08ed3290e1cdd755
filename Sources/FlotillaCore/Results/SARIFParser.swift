/// Reads SARIF 2.1.0 (CodeQL, Semgrep, Trivy, gosec, ESLint's SARIF formatter, …).
///
/// Every `runs[].results[]` becomes a `Finding`. The level is the result's `level`; else `none`
/// when its `kind` is not `fail`; else the rule's `defaultConfiguration.level`; else `warning`
/// (SARIF's default). The security severity is `properties.security-severity` of the result,
/// else of its rule — found through `rule.index`/`ruleIndex` (in `tool.driver`, or in
/// `tool.extensions[rule.toolComponent.index]` as CodeQL writes it) or by `ruleId`.
/// Fields with the wrong JSON type are errors naming their path (`runs[0].results[3].level`).
public enum SARIFParser {
    /// Parses one SARIF file.
    ///
    /// - Parameter bytes: The file's bytes (at most `ResultLimits.maxBytes`), UTF-8 JSON.
    /// - Throws: `ResultParseError` (format `.sarif`): `.malformed` with line and column for
    ///   invalid JSON, `.unsupported` for a version other than 2.1.0, `.invalid` for a wrong
    ///   structure, an unknown level or a security-severity outside 0–10.
    public static func parse(_ bytes: [UInt8]) throws(ResultParseError) -> SARIFReport {
        try ResultLimits.check(bytes, .sarif)
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: body, as: UTF8.self) else {
            throw ResultParseError(.sarif, .malformed, "the file is not UTF-8 text")
        }
        let root: ExpressionValue
        do {
            root = try JSONReader.parse(text)
        } catch {
            var locator = XMLLocator(bytes: body)
            let message = error.message.components(separatedBy: " at byte ").first ?? error.message
            throw ResultParseError(.sarif, .malformed, "invalid JSON: \(message)", at: locator.position(of: error.offset))
        }
        guard case .object = root else {
            throw ResultParseError(.sarif, .invalid, "expected a JSON object with 'version' and 'runs', found \(SARIFValue.describe(root))")
        }
        let version = try SARIFValue.string(root, "version", "version")
        guard let version else { throw ResultParseError(.sarif, .invalid, "missing 'version'; expected \"2.1.0\"") }
        guard version == "2.1.0" else {
            throw ResultParseError(.sarif, .unsupported, "SARIF version '\(version)' is not supported; expected 2.1.0")
        }
        guard let runs = try SARIFValue.array(root, "runs", "runs") else {
            throw ResultParseError(.sarif, .invalid, "missing 'runs'; expected a list of runs")
        }
        var findings: [Finding] = []
        for (r, run) in runs.enumerated() {
            findings += try SARIFRun(run, path: "runs[\(r)]").findings()
        }
        return SARIFReport(findings: findings)
    }
}

/// One `runs[]` entry and its rules.
private struct SARIFRun {
    let run: ExpressionValue
    let path: String
    let driverRules: [ExpressionValue]
    let extensionRules: [[ExpressionValue]]
    /// Rules by id, driver rules first (the first of equal ids wins).
    let rulesByID: [String: ExpressionValue]
    let artifacts: [ExpressionValue]

    init(_ run: ExpressionValue, path: String) throws(ResultParseError) {
        guard case .object = run else {
            throw ResultParseError(.sarif, .invalid, "\(path): expected an object, found \(SARIFValue.describe(run))")
        }
        self.run = run
        self.path = path
        let tool = try SARIFValue.object(run, "tool", "\(path).tool")
        let driver = try SARIFValue.object(tool, "driver", "\(path).tool.driver")
        driverRules = try SARIFValue.array(driver, "rules", "\(path).tool.driver.rules") ?? []
        var extensions: [[ExpressionValue]] = []
        if let tool, let list = try SARIFValue.array(tool, "extensions", "\(path).tool.extensions") {
            for (i, ext) in list.enumerated() {
                extensions.append(try SARIFValue.array(ext, "rules", "\(path).tool.extensions[\(i)].rules") ?? [])
            }
        }
        extensionRules = extensions
        var byID: [String: ExpressionValue] = [:]
        for rule in driverRules + extensions.joined() {
            if case .string(let id)? = SARIFValue.member(rule, "id"), byID[id] == nil { byID[id] = rule }
        }
        rulesByID = byID
        artifacts = try SARIFValue.array(run, "artifacts", "\(path).artifacts") ?? []
    }

    func findings() throws(ResultParseError) -> [Finding] {
        guard let results = try SARIFValue.array(run, "results", "\(path).results") else { return [] }
        var out: [Finding] = []
        out.reserveCapacity(results.count)
        for (i, result) in results.enumerated() {
            out.append(try finding(result, "\(path).results[\(i)]"))
        }
        return out
    }

    private func finding(_ r: ExpressionValue, _ at: String) throws(ResultParseError) -> Finding {
        guard case .object = r else {
            throw ResultParseError(.sarif, .invalid, "\(at): expected an object, found \(SARIFValue.describe(r))")
        }
        let reference = try SARIFValue.object(r, "rule", "\(at).rule")
        let rule = try self.rule(for: r, reference: reference, at)
        let ownID = try SARIFValue.string(r, "ruleId", "\(at).ruleId")
        let referenceID = try SARIFValue.string(reference, "id", "\(at).rule.id")
        let ruleID = try SARIFValue.string(rule, "id", "the rule's id")
        let ruleId = ownID ?? referenceID ?? ruleID ?? ""
        return Finding(ruleId: ruleId, level: try level(r, rule, at), severity: try severity(r, rule, at),
                       message: try message(r, rule, at), location: try location(r, at), suppressed: try suppressed(r, at))
    }

    /// The rule object a result refers to, by index (driver or extension) or by id.
    private func rule(for r: ExpressionValue, reference: ExpressionValue?, _ at: String) throws(ResultParseError) -> ExpressionValue? {
        var rules = driverRules
        if let component = try SARIFValue.object(reference, "toolComponent", "\(at).rule.toolComponent"),
           let index = try SARIFValue.integer(component, "index", "\(at).rule.toolComponent.index"), index >= 0 {
            guard index < extensionRules.count else {
                throw ResultParseError(.sarif, .invalid, "\(at).rule.toolComponent.index \(index) is out of range: the tool has \(extensionRules.count) extensions")
            }
            rules = extensionRules[index]
        }
        let referenceIndex = try SARIFValue.integer(reference, "index", "\(at).rule.index")
        let resultIndex = try SARIFValue.integer(r, "ruleIndex", "\(at).ruleIndex")
        let index = referenceIndex ?? resultIndex
        if let index, index >= 0 {  // -1 is SARIF's "not set"
            guard index < rules.count else {
                throw ResultParseError(.sarif, .invalid, "\(at): rule index \(index) is out of range: the tool has \(rules.count) rules")
            }
            return rules[index]
        }
        let ownID = try SARIFValue.string(r, "ruleId", "\(at).ruleId")
        let referenceID = try SARIFValue.string(reference, "id", "\(at).rule.id")
        guard let id = ownID ?? referenceID else { return nil }
        // Hierarchical ids (`CA1000/1`) name a sub-rule of the rule before the slash.
        return rulesByID[id] ?? id.split(separator: "/").first.flatMap { rulesByID[String($0)] }
    }

    private func level(_ r: ExpressionValue, _ rule: ExpressionValue?, _ at: String) throws(ResultParseError) -> SARIFLevel {
        if let raw = try SARIFValue.string(r, "level", "\(at).level") { return try Self.level(raw, "\(at).level") }
        if let kind = try SARIFValue.string(r, "kind", "\(at).kind"), kind != "fail" { return .none }
        if let rule, let config = try SARIFValue.object(rule, "defaultConfiguration", "rule.defaultConfiguration"),
           let raw = try SARIFValue.string(config, "level", "rule.defaultConfiguration.level") {
            return try Self.level(raw, "the rule's defaultConfiguration.level")
        }
        return .warning
    }

    private static func level(_ raw: String, _ what: String) throws(ResultParseError) -> SARIFLevel {
        guard let level = SARIFLevel(rawValue: raw) else {
            throw ResultParseError(.sarif, .invalid, "\(what): expected one of none, note, warning, error, found '\(raw)'")
        }
        return level
    }

    private func severity(_ r: ExpressionValue, _ rule: ExpressionValue?, _ at: String) throws(ResultParseError) -> Double? {
        if let own = try Self.securitySeverity(r, "\(at).properties") { return own }
        guard let rule else { return nil }
        let id = SARIFValue.member(rule, "id")?.stringValue ?? "?"
        return try Self.securitySeverity(rule, "the properties of rule '\(id)'")
    }

    private static func securitySeverity(_ holder: ExpressionValue, _ what: String) throws(ResultParseError) -> Double? {
        guard let properties = try SARIFValue.object(holder, "properties", what),
              let raw = SARIFValue.member(properties, "security-severity"), raw != .null else { return nil }
        let score: Double?
        switch raw {
        case .number(let n): score = n
        case .string(let s): score = Double(s.trimmingWhitespace)
        default: score = nil
        }
        guard let score, score.isFinite, (0...10).contains(score) else {
            throw ResultParseError(.sarif, .invalid, "\(what).security-severity: expected a score from 0 to 10, found \(SARIFValue.describe(raw))")
        }
        return score
    }

    private func message(_ r: ExpressionValue, _ rule: ExpressionValue?, _ at: String) throws(ResultParseError) -> String {
        guard let message = try SARIFValue.object(r, "message", "\(at).message") else { return "" }
        var text = try SARIFValue.string(message, "text", "\(at).message.text")
        if text == nil, let id = try SARIFValue.string(message, "id", "\(at).message.id"), let rule,
           let strings = SARIFValue.member(rule, "messageStrings"), let entry = SARIFValue.member(strings, id) {
            text = SARIFValue.member(entry, "text")?.stringValue
        }
        guard var result = text else { return "" }
        if let arguments = try SARIFValue.array(message, "arguments", "\(at).message.arguments") {
            for (i, argument) in arguments.enumerated() { result = result.replacingOccurrences(of: "{\(i)}", with: argument.stringValue) }
        }
        return result
    }

    private func location(_ r: ExpressionValue, _ at: String) throws(ResultParseError) -> String {
        guard let locations = try SARIFValue.array(r, "locations", "\(at).locations"), let first = locations.first,
              let physical = try SARIFValue.object(first, "physicalLocation", "\(at).locations[0].physicalLocation") else { return "" }
        var uri = ""
        if let artifact = try SARIFValue.object(physical, "artifactLocation", "\(at).locations[0].physicalLocation.artifactLocation") {
            if let u = try SARIFValue.string(artifact, "uri", "\(at).locations[0].physicalLocation.artifactLocation.uri") {
                uri = u
            } else if let index = try SARIFValue.integer(artifact, "index", "\(at).locations[0].physicalLocation.artifactLocation.index"),
                      artifacts.indices.contains(index), let loc = SARIFValue.member(artifacts[index], "location"),
                      case .string(let u)? = SARIFValue.member(loc, "uri") {
                uri = u
            }
        }
        guard let region = try SARIFValue.object(physical, "region", "\(at).locations[0].physicalLocation.region"),
              let line = try SARIFValue.integer(region, "startLine", "\(at).locations[0].physicalLocation.region.startLine") else { return uri }
        let column = try SARIFValue.integer(region, "startColumn", "\(at).locations[0].physicalLocation.region.startColumn")
        return "\(uri):\(line)" + (column.map { ":\($0)" } ?? "")
    }

    private func suppressed(_ r: ExpressionValue, _ at: String) throws(ResultParseError) -> Bool {
        guard let suppressions = try SARIFValue.array(r, "suppressions", "\(at).suppressions") else { return false }
        for (i, s) in suppressions.enumerated() {
            let status = try SARIFValue.string(s, "status", "\(at).suppressions[\(i)].status")
            if status == nil || status == "accepted" { return true }
        }
        return false
    }
}
