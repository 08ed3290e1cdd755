import FlotillaCore

/// Loads and plans a pipeline file, printing diagnostics; nil when it is not runnable.
///
/// Errors go to standard error as `FILE:LINE:COL: error: message`, warnings likewise.
func loadPlan(path: String, skipUses: Bool, github: [String: String] = [:]) -> Plan? {
    do {
        let pipeline = try PipelineLoader.load(path: path)
        let plan = try Planner.plan(pipeline, options: PlanOptions(skipUses: skipUses, github: github))
        for warning in plan.warnings { printError(warning) }
        return plan
    } catch {
        for diagnostic in error.diagnostics { printError(diagnostic.description) }
        let count = error.errors.count
        printError("\(path): \(count) error\(count == 1 ? "" : "s")")
        return nil
    }
}

/// `flotilla validate FILE`: exit 0 when the file is valid (warnings printed), 2 when not.
enum ValidateCommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "validate", arguments: arguments, valueOptions: [], flagOptions: ["skip-uses"])
        let file = try args.positional(0, "pipeline FILE")
        try args.noExtraPositionals(after: 1)
        guard let plan = loadPlan(path: file, skipUses: args.flag("skip-uses")) else { return ExitCode.unrunnable }
        printLine("\(file): valid, \(plan.jobs.count) job\(plan.jobs.count == 1 ? "" : "s")")
        return ExitCode.success
    }
}

/// `flotilla plan FILE [--json | --shards [--source DIR] [--state DIR]]`: the expanded jobs in a
/// deterministic order, or the planned shards of sharded jobs (`PlanCommand+Shards`).
enum PlanCommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "plan", arguments: arguments, valueOptions: ["source", "state"],
                                    flagOptions: ["json", "skip-uses", "shards"])
        let file = try args.positional(0, "pipeline FILE")
        try args.noExtraPositionals(after: 1)
        if !args.flag("shards"), let option = ["source", "state"].first(where: { args.value($0) != nil }) {
            throw UsageError(command: "plan", message: "--\(option) goes with --shards")
        }
        if args.flag("shards") && args.flag("json") {
            throw UsageError(command: "plan", message: "--shards prints a table; it does not combine with --json")
        }
        guard let plan = loadPlan(path: file, skipUses: args.flag("skip-uses")) else { return ExitCode.unrunnable }
        if args.flag("shards") {
            return try shards(plan, file: file, source: args.value("source") ?? ".", state: args.value("state"))
        }
        printLine(args.flag("json") ? PlanRenderer.json(plan) : PlanRenderer.table(plan))
        return ExitCode.success
    }
}
