// Operator messages: WatchRun, CancelRun, DrainAgent, CommandResult, ListRuns, RunList, ListAgents, AgentList.

extension WatchRun {
    func encode(into w: inout ByteWriter) { w.writeString(runID) }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> WatchRun {
        WatchRun(runID: try r.readString("runID", maxBytes: limits.maxStringBytes))
    }
}

extension CancelRun {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeString(reason)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> CancelRun {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let reason = try r.readString("reason", maxBytes: limits.maxStringBytes)
        return CancelRun(runID: runID, reason: reason)
    }
}

extension DrainAgent {
    func encode(into w: inout ByteWriter) {
        w.writeString(name)
        w.writeBool(drain)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> DrainAgent {
        let name = try r.readString("name", maxBytes: limits.maxStringBytes)
        let drain = try r.readBool("drain")
        return DrainAgent(name: name, drain: drain)
    }
}

extension CommandResult {
    func encode(into w: inout ByteWriter) {
        w.writeBool(ok)
        w.writeString(message)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> CommandResult {
        let ok = try r.readBool("ok")
        let message = try r.readString("message", maxBytes: limits.maxStringBytes)
        return CommandResult(ok: ok, message: message)
    }
}

extension ListRuns {
    func encode(into w: inout ByteWriter) { w.writeU32(limit) }

    static func decode(from r: inout ByteReader) throws(ProtocolError) -> ListRuns {
        ListRuns(limit: try r.readU32("limit"))
    }
}

extension RunList {
    func encode(into w: inout ByteWriter) {
        w.writeArray(runs) { w, run in
            w.writeString(run.id)
            w.writeString(run.pipeline)
            w.writeString(run.state)
            w.writeOptional(run.outcome) { $0.writeEnum($1) }
            w.writeString(run.submitter)
            w.writeString(run.revision)
            w.writeU64(UInt64(bitPattern: run.submittedAtMillis))
            w.writeOptional(run.finishedAtMillis) { $0.writeU64(UInt64(bitPattern: $1)) }
        }
        w.writeString(error)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> RunList {
        let runs = try r.readArray("runs", maxCount: limits.maxListCount,
                                   minElementBytes: MinimumEncodedSize.runListEntry) { r throws(ProtocolError) in
            let id = try r.readString("runs[].id", maxBytes: limits.maxStringBytes)
            let pipeline = try r.readString("runs[].pipeline", maxBytes: limits.maxStringBytes)
            let state = try r.readString("runs[].state", maxBytes: limits.maxStringBytes)
            let outcome = try r.readOptional("runs[].outcome") { r throws(ProtocolError) in
                try r.readEnum(RunOutcome.self, "runs[].outcome")
            }
            let submitter = try r.readString("runs[].submitter", maxBytes: limits.maxStringBytes)
            let revision = try r.readString("runs[].revision", maxBytes: limits.maxStringBytes)
            let submitted = Int64(bitPattern: try r.readU64("runs[].submittedAtMillis"))
            let finished = try r.readOptional("runs[].finishedAtMillis") { r throws(ProtocolError) in
                Int64(bitPattern: try r.readU64("runs[].finishedAtMillis"))
            }
            return RunListEntry(id: id, pipeline: pipeline, state: state, outcome: outcome, submitter: submitter,
                                revision: revision, submittedAtMillis: submitted, finishedAtMillis: finished)
        }
        let error = try r.readString("error", maxBytes: limits.maxStringBytes)
        return RunList(runs: runs, error: error)
    }
}

extension ListAgents {
    func encode(into w: inout ByteWriter) {}

    static func decode(from r: inout ByteReader) throws(ProtocolError) -> ListAgents { ListAgents() }
}

extension AgentList {
    func encode(into w: inout ByteWriter) {
        w.writeArray(agents) { w, agent in
            w.writeString(agent.name)
            w.writeArray(agent.labels) { $0.writeString($1) }
            w.writeU32(agent.capacity)
            w.writeBool(agent.connected)
            w.writeBool(agent.drained)
            w.writeU32(agent.running)
            w.writeOptional(agent.fingerprint) { $1.encode(into: &$0) }
            w.writeU64(UInt64(bitPattern: agent.lastSeenMillis))
        }
        w.writeString(error)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> AgentList {
        let agents = try r.readArray("agents", maxCount: limits.maxListCount,
                                     minElementBytes: MinimumEncodedSize.agentListEntry) { r throws(ProtocolError) in
            let name = try r.readString("agents[].name", maxBytes: limits.maxStringBytes)
            let labels = try r.readArray("agents[].labels", maxCount: limits.maxListCount,
                                         minElementBytes: MinimumEncodedSize.string) { r throws(ProtocolError) in
                try r.readString("agents[].labels[]", maxBytes: limits.maxStringBytes)
            }
            let capacity = try r.readU32("agents[].capacity")
            let connected = try r.readBool("agents[].connected")
            let drained = try r.readBool("agents[].drained")
            let running = try r.readU32("agents[].running")
            let fingerprint = try r.readOptional("agents[].fingerprint") { (r: inout ByteReader) throws(ProtocolError) in
                try MachineFingerprint.decode(from: &r, limits: limits)
            }
            let lastSeen = Int64(bitPattern: try r.readU64("agents[].lastSeenMillis"))
            return AgentListEntry(name: name, labels: labels, capacity: capacity, connected: connected, drained: drained,
                                  running: running, fingerprint: fingerprint, lastSeenMillis: lastSeen)
        }
        let error = try r.readString("error", maxBytes: limits.maxStringBytes)
        return AgentList(agents: agents, error: error)
    }
}

extension MinimumEncodedSize {
    static let runListEntry = 4 + 4 + 4 + 1 + 4 + 4 + 8 + 1
    static let agentListEntry = 4 + 4 + 4 + 1 + 1 + 4 + 1 + 8
}
