import FlotillaCoordinator
import FlotillaCore
import FlotillaStore

extension PlanCommand {
    /// `flotilla plan FILE --shards`: the shard table (`PlanRenderer.shards`).
    ///
    /// `files:` jobs are planned as the coordinator plans them at submission, over the files a
    /// bundle of `source` would hold. Predicted durations come from the timings recorded in the
    /// coordinator store under `state` when given (the keys `CoordinatorCore.timingKey` names),
    /// else every test counts the same. With no fleet to ask, `count: auto` is planned as if
    /// every shard could start at once; the coordinator caps it at the free matching slots.
    static func shards(_ plan: Plan, file: String, source: String, state: String?) throws -> Int32 {
        let sharded = plan.jobs.filter { $0.shard != nil }
        var files: [String] = []
        if sharded.contains(where: { if case .files? = $0.shard?.source { true } else { false } }) {
            do {
                files = try ShardPreview.sourceFiles(directory: source)
            } catch {
                printError("flotilla plan: cannot list the source directory \(source): \(error)")
                return ExitCode.unrunnable
            }
        }
        var history: [String: [String: Double]] = [:]
        if let state {
            let store = try HistoryCommands.openStore(state, command: "plan")
            for job in sharded {
                history[job.id] = try store.timings(forJob: CoordinatorCore.timingKey(pipelineFileName: file, jobID: job.id))
            }
        }
        let shards = ShardPreview.shards(plan: plan, files: files, history: history,
                                         freeMatchingSlots: { _ in ShardSpec.maxCount })
        printLine(PlanRenderer.shards(plan: plan, shards: shards))
        if sharded.contains(where: { $0.shard?.count == .auto && shards[$0.id] != nil }) {
            printLine("count: auto is planned here as if every shard could start at once; "
                      + "the coordinator uses at most the free slots of matching agents")
        }
        if !shards.isEmpty && history.values.allSatisfy(\.isEmpty) {
            printLine("no recorded test timings\(state == nil ? " (give --state DIR to use a coordinator's)" : ""): "
                      + "every test predicted at \(ShardPlanner.defaultTestSeconds) s")
        }
        return ExitCode.success
    }
}
