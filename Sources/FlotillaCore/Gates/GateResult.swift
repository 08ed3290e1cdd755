/// How a gate came out.
public enum GateStatus: String, Sendable, Equatable, CaseIterable {
    /// The threshold was met.
    case pass
    /// A blocking gate's threshold was not met.
    case fail
    /// An advisory (non-blocking) gate's threshold was not met, or a `performance` gate found a
    /// regression below its `max-regression` or one it could not confirm; does not fail the verdict.
    case warn
    /// Not evaluated: an emergency run skips non-critical gates.
    case skipped
    /// Could not be evaluated: no results were collected, or a result file could not be read.
    case error
}

/// One gate's outcome, as the verdict reports it.
public struct GateResult: Sendable, Equatable {
    public var name: String
    public var kind: GateKind
    public var status: GateStatus
    public var blocking: Bool
    public var critical: Bool
    /// What was measured (`1 failed of 120`, `72.00%`, `1 critical, 0 high`, `3 of 4 succeeded`);
    /// empty when nothing could be measured.
    public var value: String
    /// The threshold in the pipeline's words (`max-failures 0`, `min 80%`).
    public var threshold: String
    /// Why: failing test names, counts, unreadable files, skipped-in-emergency. May span lines
    /// (one `- item` per line for lists).
    public var detail: String

    public init(name: String, kind: GateKind, status: GateStatus, blocking: Bool, critical: Bool,
                value: String, threshold: String, detail: String) {
        self.name = name; self.kind = kind; self.status = status; self.blocking = blocking; self.critical = critical
        self.value = value; self.threshold = threshold; self.detail = detail
    }
}
