/// A job's `shard:` key after planning: how many shards and where the test ids come from.
///
/// ```yaml
/// shard:
///   count: 4                 # or `auto`
///   list: swift test list    # a command printing one test id per line, run once on an agent
///   # files: "Tests/**/*Tests.swift"   # or a glob expanded on the source snapshot
/// ```
public struct ShardSpec: Sendable, Equatable {
    /// How many shard jobs to run.
    public enum Count: Sendable, Equatable, CustomStringConvertible {
        /// Exactly this many (1...`ShardSpec.maxCount`), fewer only when there are fewer distinct tests.
        case fixed(Int)
        /// Chosen when the test list is known, from the free matching capacity and the predicted
        /// total duration (`ShardPlanner.autoCount`).
        case auto

        public var description: String {
            switch self {
            case .fixed(let n): return String(n)
            case .auto: return "auto"
            }
        }
    }

    /// Where the test ids come from.
    public enum Source: Sendable, Equatable {
        /// A shell command (run with bash in the job's workspace, once per planned job) that
        /// prints test ids, one per line; plan-time expressions are resolved, runtime ones are
        /// left for the agent like in `run:`.
        case list(command: String)
        /// A glob (`ShardGlob` syntax) matched against the files of the source snapshot; each
        /// matching path, relative to the workspace root, is one test id.
        case files(glob: String)
    }

    /// The most shards one job may have (GitHub's matrix limit, for the same reason: a bound on
    /// what one key can put in the queue).
    public static let maxCount = 256

    public var count: Count
    public var source: Source

    public init(count: Count, source: Source) {
        self.count = count; self.source = source
    }
}

/// `jobs.<key>.shard` as written in the file, before planning: the command or glob may still
/// hold `${{ }}` expressions, and every part keeps its location for diagnostics.
public struct PipelineShard: Sendable, Equatable {
    /// The `list:` or `files:` text as written.
    public enum Source: Sendable, Equatable {
        case list(PipelineText)
        case files(PipelineText)
    }

    public var count: Located<ShardSpec.Count>
    public var source: Source
    /// Where the `shard:` key is written.
    public var location: SourcePosition

    public init(count: Located<ShardSpec.Count>, source: Source, location: SourcePosition) {
        self.count = count; self.source = source; self.location = location
    }
}
