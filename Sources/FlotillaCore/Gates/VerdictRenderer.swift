/// Renders a `Verdict` as JSON, Markdown (`markdown(_:)`) or JUnit XML (`junit(_:)`).
public enum VerdictRenderer {
    /// One line of JSON with a fixed key order:
    ///
    /// `{"run": ID, "verdict": "pass"|"fail"|"error", "emergency": BOOL,
    ///   "gates": [{"name", "kind", "status", "blocking", "critical", "value", "threshold", "detail"}],
    ///   "jobs": [{"id", "status", "agent", "attempts", "duration_s", "exit_code", "retried"}],
    ///   "artifacts": [{"name", "job", "size", "sha256"}],
    ///   "flaky_tests": [{"job", "test", "failed_attempts", "passed_attempt"}]}`
    ///
    /// `duration_s` is a number written so that it reads back exactly; `exit_code` is null when
    /// absent. A job that failed and then passed on a retry ends with `"flaky": true`; other jobs
    /// have no `flaky` member, and `flaky_tests` is left out when there are none, so verdicts
    /// without flakiness keep their earlier shape. `Verdict.decode(json:)` is the inverse.
    public static func json(_ verdict: Verdict) -> String {
        let gates = verdict.gates.map { g in
            "{\"name\": \(q(g.name)), \"kind\": \(q(g.kind.rawValue)), \"status\": \(q(g.status.rawValue)), "
                + "\"blocking\": \(g.blocking), \"critical\": \(g.critical), \"value\": \(q(g.value)), "
                + "\"threshold\": \(q(g.threshold)), \"detail\": \(q(g.detail))}"
        }
        let jobs = verdict.jobs.map { j in
            "{\"id\": \(q(j.id)), \"status\": \(q(j.status.rawValue)), \"agent\": \(q(j.agent)), \"attempts\": \(j.attempts), "
                + "\"duration_s\": \(seconds(j.durationSeconds)), \"exit_code\": \(j.exitCode.map(String.init) ?? "null"), "
                + "\"retried\": [\(j.retried.map(q).joined(separator: ", "))]" + (j.flaky ? ", \"flaky\": true}" : "}")
        }
        let artifacts = verdict.artifacts.map { a in
            "{\"name\": \(q(a.name)), \"job\": \(q(a.job)), \"size\": \(a.size), \"sha256\": \(q(a.sha256))}"
        }
        return "{\"run\": \(q(verdict.run)), \"verdict\": \(q(verdict.verdict.rawValue)), \"emergency\": \(verdict.emergency), "
            + "\"gates\": [\(gates.joined(separator: ", "))], \"jobs\": [\(jobs.joined(separator: ", "))], "
            + "\"artifacts\": [\(artifacts.joined(separator: ", "))]" + flakyTests(verdict.flakyTests) + "}"
    }

    /// `, "flaky_tests": [...]`, or nothing when there are none.
    private static func flakyTests(_ tests: [FlakyTest]) -> String {
        guard !tests.isEmpty else { return "" }
        let items = tests.map { t in
            "{\"job\": \(q(t.job)), \"test\": \(q(t.test)), "
                + "\"failed_attempts\": [\(t.failedAttempts.map(String.init).joined(separator: ", "))], \"passed_attempt\": \(t.passedAttempt)}"
        }
        return ", \"flaky_tests\": [\(items.joined(separator: ", "))]"
    }

    private static func q(_ s: String) -> String { JSONWriter.quote(s) }

    /// Seconds as a JSON number that parses back to the same `Double` (shortest round-trip
    /// digits); whole numbers without a fraction. Negative or non-finite durations (which no
    /// clock should produce) are written as 0, since JSON has no NaN.
    static func seconds(_ d: Double) -> String {
        guard d.isFinite, d >= 0 else { return "0" }
        if d == d.rounded(), d < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}
