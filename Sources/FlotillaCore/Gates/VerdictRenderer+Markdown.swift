extension VerdictRenderer {
    /// A summary fit for a pull-request comment: a headline with ✅/❌ and the reason, the gates
    /// table, failing tests, details of other gates that did not pass, flaky tests, the jobs table
    /// (flaky jobs marked) and the artifacts table. Text from the run (names, messages) is escaped
    /// for tables, and multi-line details go in fenced code blocks so no test output can break the layout.
    public static func markdown(_ verdict: Verdict) -> String {
        var out: [String] = []
        let icon: String
        switch verdict.verdict {
        case .pass: icon = "✅"
        case .fail: icon = "❌"
        case .error: icon = "⚠️"
        }
        out.append("## \(icon) Flotilla verdict: \(verdict.verdict.rawValue)")
        out.append("")
        out.append("Run `\(verdict.run.replacingAll("`", with: "'"))` · " + headline(verdict))
        if verdict.emergency {
            out.append("")
            out.append("> ⚠️ Emergency run: gates with `critical: false` were skipped.")
        }

        if !verdict.gates.isEmpty {
            out += ["", "### Gates", "", "| Gate | Kind | Status | Value | Threshold |", "| --- | --- | --- | --- | --- |"]
            for g in verdict.gates {
                let status = statusText(g.status) + (g.blocking ? "" : " (advisory)") + (g.critical ? "" : " (non-critical)")
                out.append("| \(cell(g.name)) | \(g.kind.rawValue) | \(status) | \(cell(g.value)) | \(cell(g.threshold)) |")
            }
        }
        let failingTests = verdict.gates.filter { $0.kind == .tests && ($0.status == .fail || $0.status == .warn) }
        if !failingTests.isEmpty {
            out += ["", "### Failing tests"]
            for g in failingTests { out += ["", "**\(inline(g.name))**", ""] + fenced(g.detail) }
        }
        let others = verdict.gates.filter { [.fail, .warn, .error].contains($0.status) && !failingTests.contains($0) }
        if !others.isEmpty {
            out += ["", "### Gate details"]
            for g in others { out += ["", "**\(inline(g.name))** (\(g.status.rawValue))", ""] + fenced(g.detail) }
        }

        if !verdict.flakyTests.isEmpty {
            out += ["", "### Flaky tests", "",
                    "Failed, then passed on a retry; the final attempt's results decided the gates.", "",
                    "| Test | Job | Failed attempts | Passed on attempt |", "| --- | --- | --- | --- |"]
            for t in verdict.flakyTests {
                out.append("| \(cell(t.test)) | \(cell(t.job)) | \(t.failedAttempts.map(String.init).joined(separator: ", ")) "
                           + "| \(t.passedAttempt) |")
            }
        }

        if !verdict.jobs.isEmpty {
            out += ["", "### Jobs", "", "| Job | Status | Agent | Attempts | Duration | Exit code |", "| --- | --- | --- | --- | --- | --- |"]
            for j in verdict.jobs {
                let exit = j.exitCode.map(String.init) ?? "–"
                out.append("| \(cell(j.id)) | \(jobIcon(j.status)) \(j.status.rawValue)\(j.flaky ? " (flaky)" : "") "
                           + "| \(cell(j.agent.isEmpty ? "–" : j.agent)) "
                           + "| \(j.attempts) | \(duration(j.durationSeconds)) | \(exit) |")
            }
        }
        if !verdict.artifacts.isEmpty {
            out += ["", "### Artifacts", "", "| Artifact | Job | Size | SHA-256 |", "| --- | --- | --- | --- |"]
            for a in verdict.artifacts {
                out.append("| \(cell(a.name)) | \(cell(a.job)) | \(size(a.size)) | `\(String(a.sha256.prefix(12)).replacingAll("`", with: ""))…` |")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Why the verdict is what it is, in one line.
    private static func headline(_ v: Verdict) -> String {
        let failedGates = v.gates.filter { $0.status == .fail }.map { "gate \(inline($0.name))" }
        let failedJobs = v.jobs.filter { $0.status != .success && $0.status != .skipped }.map { "job \(inline($0.id)) (\($0.status.rawValue))" }
        let erroredGates = v.gates.filter { $0.status == .error && $0.blocking }.map { "gate \(inline($0.name))" }
        switch v.verdict {
        case .pass:
            let warned = v.gates.filter { $0.status == .warn }
            let base = v.gates.isEmpty ? "no gates are defined and no job failed the run" : "all blocking gates passed"
            // A blocking gate warns only for what it will not fail on (a performance gate's smaller regressions).
            let kind = warned.allSatisfy { !$0.blocking } ? "advisory " : ""
            let flaky = v.flakyTests.isEmpty ? "" : "; \(v.flakyTests.count) flaky \(v.flakyTests.count == 1 ? "test" : "tests")"
            return base + (warned.isEmpty ? "" : "; \(warned.count) \(kind)\(warned.count == 1 ? "gate" : "gates") warned") + flaky
        case .fail:
            return "failed: " + (failedGates + failedJobs).joined(separator: ", ")
        case .error:
            return erroredGates.isEmpty ? "the run could not be judged"
                : "could not be judged: " + erroredGates.joined(separator: ", ") + " could not be evaluated"
        }
    }

    private static func statusText(_ s: GateStatus) -> String {
        switch s {
        case .pass: return "✅ pass"
        case .fail: return "❌ fail"
        case .warn: return "⚠️ warn"
        case .skipped: return "⏭️ skipped"
        case .error: return "❗ error"
        }
    }

    private static func jobIcon(_ s: JobConclusion) -> String {
        switch s {
        case .success: return "✅"
        case .skipped: return "⏭️"
        case .cancelled: return "🚫"
        case .failure, .timedOut, .agentLost: return "❌"
        }
    }

    /// Text for a table cell: one line, pipes and angle brackets escaped.
    static func cell(_ s: String) -> String {
        inline(s).replacingAll("|", with: "\\|")
    }

    /// Text for running prose: one line, no raw HTML.
    static func inline(_ s: String) -> String {
        s.replacingAll("\r\n", with: " ").replacingAll("\n", with: " ").replacingAll("\r", with: " ")
            .replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll(">", with: "&gt;")
    }

    /// A fenced code block longer than any run of backticks inside, so the text cannot close it.
    static func fenced(_ text: String) -> [String] {
        var longest = 0, run = 0
        for ch in text {
            if ch == "`" { run += 1; longest = max(longest, run) } else { run = 0 }
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return [fence + "text", text.isEmpty ? "(no detail)" : text, fence]
    }

    /// `850ms`, `12.3s`, `4m 05s`, `1h 02m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 {
            let tenths = Int((seconds * 10).rounded())
            return tenths >= 600 ? "1m 00s" : "\(tenths / 10).\(tenths % 10)s"
        }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60)m \(pad2(total % 60))s" }
        return "\(total / 3600)h \(pad2(total % 3600 / 60))m"
    }

    /// `512 B`, `1.5 KiB`, `20.0 MiB`.
    static func size(_ bytes: UInt64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

fileprivate extension String {
    /// Replaces every occurrence of `target` (no Foundation needed).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
