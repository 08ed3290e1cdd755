// Operator messages (client -> coordinator and answers): follow, cancel, drain, list.

/// Subscribe this connection to a run's events (`flotilla wait`).
///
/// The coordinator answers with `RunAccepted` (the run's job list) and a `JobEvent` per job
/// with its current state, then streams the run's events like to its submitter, ending with
/// `RunFinished`. A run that already finished gets `RunFinished` at once (with the stored
/// verdict); an unknown run gets `RunRejected`.
public struct WatchRun: Sendable, Equatable {
    public var runID: String
    public init(runID: String) { self.runID = runID }
}

/// Cancel a run: every unfinished job is cancelled (its process group killed on its agent).
/// Answered by `CommandResult`.
public struct CancelRun: Sendable, Equatable {
    public var runID: String
    /// For humans; recorded in the audit log and as the jobs' detail.
    public var reason: String
    public init(runID: String, reason: String) { self.runID = runID; self.reason = reason }
}

/// Drain an agent (it finishes its current jobs and gets no new ones) or put it back.
/// Answered by `CommandResult`.
public struct DrainAgent: Sendable, Equatable {
    public var name: String
    /// True drains, false puts the agent back into service.
    public var drain: Bool
    public init(name: String, drain: Bool) { self.name = name; self.drain = drain }
}

/// The answer to `CancelRun` and `DrainAgent`: whether it was done, and a sentence saying what.
public struct CommandResult: Sendable, Equatable {
    public var ok: Bool
    public var message: String
    public init(ok: Bool, message: String) { self.ok = ok; self.message = message }
}

/// Ask for the newest runs the coordinator remembers. Answered by `RunList`.
public struct ListRuns: Sendable, Equatable {
    /// At most this many, newest first (the coordinator caps it at 10 000).
    public var limit: UInt32
    public init(limit: UInt32) { self.limit = limit }
}

/// One run of a `RunList`.
public struct RunListEntry: Sendable, Equatable {
    public var id: String
    public var pipeline: String
    /// `waiting_for_bundle`, `active` or `finished`.
    public var state: String
    public var outcome: RunOutcome?
    public var submitter: String
    public var revision: String
    /// Milliseconds since the Unix epoch.
    public var submittedAtMillis: Int64
    public var finishedAtMillis: Int64?
    public init(id: String, pipeline: String, state: String, outcome: RunOutcome?, submitter: String, revision: String,
                submittedAtMillis: Int64, finishedAtMillis: Int64?) {
        self.id = id; self.pipeline = pipeline; self.state = state; self.outcome = outcome; self.submitter = submitter
        self.revision = revision; self.submittedAtMillis = submittedAtMillis; self.finishedAtMillis = finishedAtMillis
    }
}

/// The answer to `ListRuns`: newest first; `error` is non-empty when the store could not be read.
public struct RunList: Sendable, Equatable {
    public var runs: [RunListEntry]
    public var error: String
    public init(runs: [RunListEntry], error: String = "") { self.runs = runs; self.error = error }
}

/// Ask for every agent the coordinator knows. Answered by `AgentList`.
public struct ListAgents: Sendable, Equatable {
    public init() {}
}

/// One agent of an `AgentList`.
public struct AgentListEntry: Sendable, Equatable {
    public var name: String
    public var labels: [String]
    public var capacity: UInt32
    public var connected: Bool
    public var drained: Bool
    /// Job attempts placed on it and not finished.
    public var running: UInt32
    public var fingerprint: MachineFingerprint?
    /// Milliseconds since the Unix epoch.
    public var lastSeenMillis: Int64
    public init(name: String, labels: [String], capacity: UInt32, connected: Bool, drained: Bool, running: UInt32,
                fingerprint: MachineFingerprint?, lastSeenMillis: Int64) {
        self.name = name; self.labels = labels; self.capacity = capacity; self.connected = connected
        self.drained = drained; self.running = running; self.fingerprint = fingerprint; self.lastSeenMillis = lastSeenMillis
    }
}

/// The answer to `ListAgents`, by name; `error` is non-empty when the store could not be read.
public struct AgentList: Sendable, Equatable {
    public var agents: [AgentListEntry]
    public var error: String
    public init(agents: [AgentListEntry], error: String = "") { self.agents = agents; self.error = error }
}
