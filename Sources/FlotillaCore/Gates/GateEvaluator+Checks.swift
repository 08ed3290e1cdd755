extension GateEvaluator {
    /// `tests`: failed + errored cases over every JUnit file, at most `maxFailures`.
    static func tests(maxFailures: Int, _ results: [ResultFile]) -> GateOutcome {
        let files: [ResultFile]
        switch Self.files(.junit, results) {
        case .success(let found): files = found
        case .failure(let outcome): return outcome
        }
        var cases: [(job: String, test: TestCaseResult)] = []
        for file in files {
            if case .junit(let report) = file.content { cases += report.cases.map { (file.job, $0) } }
        }
        guard !cases.isEmpty else {
            return .error("the junit results (\(files.count) \(files.count == 1 ? "file" : "files")) contain no test cases")
        }
        let report = JUnitReport(cases: cases.map(\.test))
        let totals = report.totals
        let failing = cases.filter { $0.test.status.isFailure }
        let severalJobs = Set(files.map(\.job)).count > 1
        let value = "\(failing.count) failed of \(totals.tests)"
        let counts = "\(totals.passed) passed, \(totals.failed) failed, \(totals.errors) errors, \(totals.skipped) skipped"
        guard !failing.isEmpty else {
            return GateOutcome(met: true, value: value, detail: "\(totals.tests) tests: \(counts)")
        }
        let names = failing.map { entry -> String in
            let job = severalJobs ? " [\(entry.job)]" : ""
            let message = summary(entry.test.message)
            let status = entry.test.status == .error ? " (error)" : ""
            return entry.test.identifier + job + status + (message.isEmpty ? "" : ": \(message)")
        }
        let verb = failing.count == 1 ? "test failed" : "tests failed"
        return GateOutcome(met: failing.count <= maxFailures, value: value,
                           detail: "\(failing.count) of \(totals.tests) \(verb) (\(counts)):\n" + list(names))
    }

    /// `coverage`: merged line coverage of every coverage file, at least `minPercent`.
    static func coverage(minPercent: Double, _ results: [ResultFile]) -> GateOutcome {
        let files: [ResultFile]
        switch Self.files(.coverage, results) {
        case .success(let found): files = found
        case .failure(let outcome): return outcome
        }
        let reports = files.compactMap { file -> CoverageReport? in
            if case .coverage(let report) = file.content { return report } else { return nil }
        }
        let merged = CoverageReport.merged(reports)
        guard merged.linesValid > 0 else {
            return .error("the coverage results have no coverable lines")
        }
        let value = GateFormat.percent(covered: merged.linesCovered, valid: merged.linesValid)
        // Compare in counts, not in a rounded percentage: 29 of 100 lines meets `min: 29`.
        let met = Double(merged.linesCovered) * 100 >= minPercent * Double(merged.linesValid)
        var detail = "\(merged.linesCovered) of \(merged.linesValid) lines covered"
        if reports.count > 1 { detail += " (\(reports.count) reports merged)" }
        if !met { detail += "; below the minimum of \(GateFormat.number(minPercent))%" }
        return GateOutcome(met: met, value: value, detail: detail)
    }

    /// `security`: active findings of critical and high security severity over every SARIF file.
    static func security(maxCritical: Int, maxHigh: Int, _ results: [ResultFile]) -> GateOutcome {
        let files: [ResultFile]
        switch Self.files(.sarif, results) {
        case .success(let found): files = found
        case .failure(let outcome): return outcome
        }
        var findings: [Finding] = []
        for file in files {
            if case .sarif(let report) = file.content { findings += report.findings }
        }
        let report = SARIFReport(findings: findings)
        let critical = report.critical, high = report.high
        let value = "\(critical) critical, \(high) high"
        var detail = "\(report.active.count) findings: \(critical) critical, \(high) high, \(report.medium) medium, "
            + "\(report.low) low, \(report.unrated) without a security severity"
        let suppressed = findings.count - report.active.count
        if suppressed > 0 { detail += "; \(suppressed) suppressed" }
        // Most severe first; file order among equals, so the detail is deterministic.
        let serious = report.active.enumerated()
            .filter { $0.element.severityBand == .critical || $0.element.severityBand == .high }
            .sorted { ($0.element.severity ?? 0, $1.offset) > ($1.element.severity ?? 0, $0.offset) }
            .map(\.element)
        if !serious.isEmpty {
            detail += ":\n" + list(serious.map { f in
                let score = f.severity.map { GateFormat.number($0) } ?? "?"
                let rule = f.ruleId.isEmpty ? "(no rule)" : f.ruleId
                let at = f.location.isEmpty ? "" : " at \(f.location)"
                let message = summary(f.message)
                return "\(f.severityBand?.rawValue ?? "") \(score) \(rule)\(at)" + (message.isEmpty ? "" : ": \(message)")
            })
        }
        return GateOutcome(met: critical <= maxCritical && high <= maxHigh, value: value, detail: detail)
    }

    /// `jobs`: every job of the listed keys (or every job) succeeded; skipped jobs count as
    /// succeeded, as GitHub treats skipped required checks.
    static func jobs(_ keys: [String], _ jobs: [GateInputs.Job]) -> GateOutcome {
        let selected = keys.isEmpty ? jobs : jobs.filter { keys.contains($0.jobKey) }
        let known = Set(jobs.map(\.jobKey))
        let absent = keys.filter { !known.contains($0) }
        guard absent.isEmpty else {
            return .error("not part of this run: " + absent.map { "'\($0)'" }.joined(separator: ", "))
        }
        guard !selected.isEmpty else { return .error("the run has no jobs") }
        let failed = selected.filter { $0.status != .success && $0.status != .skipped }
        let skipped = selected.filter { $0.status == .skipped }.count
        let succeeded = selected.count - failed.count
        let value = "\(succeeded) of \(selected.count) succeeded"
        let skippedNote = skipped > 0 ? " (\(skipped) skipped)" : ""
        guard !failed.isEmpty else {
            return GateOutcome(met: true, value: value, detail: "all \(selected.count) jobs succeeded\(skippedNote)")
        }
        let names = failed.map { job in
            (job.displayName == job.id ? job.id : "\(job.displayName) [\(job.id)]") + ": \(job.status.rawValue)"
        }
        return GateOutcome(met: false, value: value,
                           detail: "\(failed.count) of \(selected.count) jobs did not succeed\(skippedNote):\n" + list(names))
    }
}
