/// Renders a `Plan` for `flotilla plan`: deterministic JSON or an aligned text table.
public enum PlanRenderer {
    /// One line of JSON with a fixed key order:
    /// `{"jobs": [{"id": …, "job": …, "name": …, "matrix": {…}, "runs_on": […], "needs": […], "steps": N}]}`.
    /// Matrix values keep their YAML types (numbers stay numbers). Benchmark jobs end with
    /// `"benchmark": {"repeat": R, "warmup": W}`; other jobs have no such key.
    public static func json(_ plan: Plan) -> String {
        let jobs = plan.jobs.map { job -> String in
            let matrix = JSONWriter.spaced(.object(job.matrix.map { (key: $0.axis, value: $0.typedValue) }))
            let runsOn = JSONWriter.spaced(.array(job.runsOn.map { .string($0) }))
            let needs = JSONWriter.spaced(.array(job.needs.map { .string($0) }))
            let benchmark = job.benchmark.map { ", \"benchmark\": {\"repeat\": \($0.repeatCount), \"warmup\": \($0.warmup)}" } ?? ""
            return "{\"id\": \(JSONWriter.quote(job.id)), \"job\": \(JSONWriter.quote(job.jobKey)), "
                + "\"name\": \(JSONWriter.quote(job.displayName)), \"matrix\": \(matrix), "
                + "\"runs_on\": \(runsOn), \"needs\": \(needs), \"steps\": \(job.steps.count)\(benchmark)}"
        }
        return "{\"jobs\": [" + jobs.joined(separator: ", ") + "]}"
    }

    /// A table with columns ID, NAME, RUNS-ON, NEEDS, STEPS, padded to align; one job per line.
    /// A benchmark job's STEPS reads `2 (bench 1+5)`: its steps, run warm-up + repeat times.
    public static func table(_ plan: Plan) -> String {
        var rows = [["ID", "NAME", "RUNS-ON", "NEEDS", "STEPS"]]
        for job in plan.jobs {
            rows.append([job.id, job.displayName, job.runsOn.joined(separator: ","),
                         job.needs.isEmpty ? "-" : job.needs.joined(separator: ","),
                         String(job.steps.count) + (job.benchmark.map { " (bench \($0.warmup)+\($0.repeatCount))" } ?? "")])
        }
        var widths = [Int](repeating: 0, count: 5)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
