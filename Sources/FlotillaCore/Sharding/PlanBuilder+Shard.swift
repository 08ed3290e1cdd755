extension PlanBuilder {
    /// The job's `shard:` for one matrix combination, with plan-time expressions resolved.
    ///
    /// A `list:` command keeps runtime expressions for the agent, like `run:`; a `files:` glob
    /// must be fully known at plan time (it is expanded on the source snapshot before any job
    /// runs) and is validated once resolved.
    mutating func shardSpec(_ shard: PipelineShard?, _ context: ExpressionContext) -> ShardSpec? {
        guard let shard else { return nil }
        switch shard.source {
        case .list(let text):
            guard let command = resolve(text, context, what: "shard.list") else { return nil }
            guard !command.trimmingWhitespace.isEmpty else {
                error("invalid 'shard.list': the command is empty after evaluating '\(text.text)'", at: text.location)
                return nil
            }
            return ShardSpec(count: shard.count.value, source: .list(command: command))
        case .files(let text):
            guard text.hasExpression else { return ShardSpec(count: shard.count.value, source: .files(glob: text.text)) }
            guard let value = value(text, context, what: "shard.files") else { return nil }
            let glob = value.stringValue
            do {
                _ = try ShardGlob(glob)
            } catch {
                self.error("invalid 'shard.files': '\(glob)' (from '\(text.text)'): \(error.message)", at: text.location)
                return nil
            }
            return ShardSpec(count: shard.count.value, source: .files(glob: glob))
        }
    }
}
