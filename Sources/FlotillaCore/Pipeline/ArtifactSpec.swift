/// What a job's artifact holds, which decides whether (and how) gates read it.
public enum ArtifactKind: String, Sendable, Equatable, CaseIterable {
    /// Any file, kept for download only.
    case file
    /// JUnit XML test results (read by `tests` gates).
    case junit
    /// Cobertura XML or lcov coverage (read by `coverage` gates).
    case coverage
    /// SARIF 2.1.0 findings (read by `security` gates).
    case sarif

    /// The kinds in the order messages list them.
    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// One `artifacts:` entry of a planned job: files the agent collects after the steps.
///
/// ```yaml
/// artifacts:
///   - path: build/test-results/**/*.xml
///     kind: junit
///   - path: coverage.xml
///     name: coverage
///     kind: coverage
/// ```
public struct ArtifactSpec: Sendable, Equatable {
    /// A glob relative to the job's workspace; never absolute and never with a `..` component
    /// (checked by `ArtifactPath.problem(in:)` at load and again after plan-time expressions).
    public var path: String
    /// Unique within the job; from `name:`, else derived from the path (`ArtifactPath.defaultName`).
    public var name: String
    public var kind: ArtifactKind

    public init(path: String, name: String, kind: ArtifactKind = .file) {
        self.path = path; self.name = name; self.kind = kind
    }
}

/// `jobs.<key>.artifacts[]` as written in the file: path and name may hold `${{ }}` expressions
/// resolved at plan time.
public struct PipelineArtifact: Sendable, Equatable {
    public var path: PipelineText
    public var name: PipelineText?
    public var kind: ArtifactKind
    /// Where the entry starts.
    public var location: SourcePosition
}
