/// A 1-based position inside a pipeline file.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// A value from the file together with where it was written.
public struct Located<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var location: SourcePosition
    public init(_ value: Value, at location: SourcePosition) { self.value = value; self.location = location }
}

/// A validated pipeline file (GitHub Actions workflow syntax), before matrix expansion.
///
/// Text fields keep their `${{ }}` expressions unevaluated (they were syntax-checked while
/// loading); `Planner.plan(_:options:)` resolves them per matrix combination. Every field keeps
/// its source location so planning errors also point into the file.
public struct Pipeline: Sendable, Equatable {
    /// The file name used in diagnostics.
    public var fileName: String
    /// Workflow `name:`, if given.
    public var name: Located<String>?
    /// Workflow-level `env:`.
    public var env: [PipelineEnvVar]
    /// Workflow-level `defaults.run`.
    public var defaults: PipelineRunDefaults
    /// Jobs in file order.
    public var jobs: [PipelineJob]
    /// Non-fatal findings from loading (ignored keys such as `on:`).
    public var warnings: [Diagnostic]
    /// Top-level `gates:`, in file order.
    public var gates: [GateSpec] = []

    /// The job with the given key.
    public func job(_ key: String) -> PipelineJob? { jobs.first { $0.key == key } }
}

/// One `env:` entry; the value is text that may contain `${{ }}`.
public struct PipelineEnvVar: Sendable, Equatable {
    public var name: String
    public var value: PipelineText
    public var location: SourcePosition
}

/// `defaults.run` (workflow or job level).
public struct PipelineRunDefaults: Sendable, Equatable {
    public var shell: Located<String>?
    public var workingDirectory: PipelineText?
    public init(shell: Located<String>? = nil, workingDirectory: PipelineText? = nil) {
        self.shell = shell; self.workingDirectory = workingDirectory
    }
}

/// A scalar field as written: its YAML-typed value and where it is, so that `${{ }}` inside
/// can be evaluated later and errors can name exact columns.
public struct PipelineText: Sendable, Equatable {
    /// The YAML value (`.string` for text, `.number`/`.bool` when written plainly).
    public var value: ExpressionValue
    public var location: SourcePosition
    /// How the scalar was written, which decides how columns inside the text map to the file.
    var layout: TextLayout
    /// The scalar's full text as written (before an `if:` wrapper was removed).
    var origin: String
    /// Where `value`'s text starts inside `origin`, in Characters.
    var shift: Int = 0

    /// The file position of the character at `offset` of `text`.
    func location(ofOffset offset: Int) -> SourcePosition {
        layout.location(ofOffset: shift + offset, in: origin, start: location)
    }

    /// The text form of the value (`true`, `30`, or the string itself).
    public var text: String { value.stringValue }
    /// Whether the text contains a `${{ }}` expression.
    public var hasExpression: Bool { if case .string(let s) = value { return s.contains("${{") } else { return false } }
}

/// A `jobs.<key>` entry.
public struct PipelineJob: Sendable, Equatable {
    public var key: String
    public var location: SourcePosition
    public var name: PipelineText?
    /// One text per label, or a single expression producing a label or a list of labels.
    public var runsOn: [PipelineText]
    public var needs: [Located<String>]
    public var env: [PipelineEnvVar]
    public var timeoutMinutes: PipelineText?
    public var continueOnError: PipelineText?
    /// The `if:` expression without a surrounding `${{ }}`; nil means `success()`.
    public var condition: PipelineText?
    public var defaults: PipelineRunDefaults
    public var strategy: PipelineStrategy?
    public var steps: [PipelineStep]
    /// `shard:` as written; nil when the job is not sharded.
    public var shard: PipelineShard? = nil
    /// `artifacts:` as written, in file order.
    public var artifacts: [PipelineArtifact] = []
    /// `retry:`; nil means `RetryPolicy.default`.
    public var retry: RetryPolicy? = nil
    /// `benchmark:`; nil for an ordinary job.
    public var benchmark: BenchmarkSpec? = nil
}

/// `jobs.<key>.strategy`.
public struct PipelineStrategy: Sendable, Equatable {
    public var matrix: PipelineMatrix?
    public var failFast: PipelineText?
    public var maxParallel: PipelineText?
}

/// `strategy.matrix`, unexpanded.
public struct PipelineMatrix: Sendable, Equatable {
    /// One matrix axis: a key and its values.
    public struct Axis: Sendable, Equatable {
        public var name: String
        public var values: [ExpressionValue]
        public var location: SourcePosition
    }
    public var axes: [Axis]
    /// `include` entries (objects), each with its location.
    public var include: [Located<ExpressionValue>]
    /// `exclude` entries (objects), each with its location.
    public var exclude: [Located<ExpressionValue>]
    /// Set when the whole matrix is an expression such as `${{ fromJSON('…') }}`.
    public var expression: PipelineText?
    /// Where the `matrix:` key is written.
    public var location: SourcePosition
}

/// One `steps[]` entry (a `uses:` step other than checkout is kept so the planner can report it).
public struct PipelineStep: Sendable, Equatable {
    public var location: SourcePosition
    public var id: Located<String>?
    public var name: PipelineText?
    public var run: PipelineText?
    public var uses: Located<String>?
    public var shell: Located<String>?
    public var env: [PipelineEnvVar]
    public var workingDirectory: PipelineText?
    public var timeoutMinutes: PipelineText?
    public var continueOnError: PipelineText?
    public var condition: PipelineText?
}
