/// What an audited operator or client did.
public struct AuditAction: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A run was submitted (subject: run id).
    public static let submitted = AuditAction(rawValue: "submitted")
    /// A run was cancelled (subject: run id).
    public static let cancelled = AuditAction(rawValue: "cancelled")
    /// An agent was drained (subject: agent name).
    public static let drained = AuditAction(rawValue: "drained")
    /// An agent was put back into service (subject: agent name).
    public static let undrained = AuditAction(rawValue: "undrained")

    public var description: String { rawValue }
}

/// One line of the audit log: who did what to which run or agent, and when.
public struct AuditEntry: Sendable, Equatable {
    /// Assigned by the store, increasing; 0 on an entry not yet stored.
    public var id: Int64
    public var at: Int64
    /// The certificate name of the client or operator.
    public var actor: String
    public var action: AuditAction
    /// A run id or agent name.
    public var subject: String
    public var detail: String

    public init(id: Int64 = 0, at: Int64, actor: String, action: AuditAction, subject: String, detail: String = "") {
        self.id = id; self.at = at; self.actor = actor; self.action = action; self.subject = subject; self.detail = detail
    }
}
