// Client <-> coordinator messages: SubmitRun, RunAccepted, RunRejected, JobEvent, RunFinished.

extension SubmitRun {
    func encode(into w: inout ByteWriter) {
        w.writeString(pipelineFileName)
        w.writeString(pipelineText)
        w.writeString(bundleSHA256)
        w.writeU64(bundleSize)
        w.writeString(sourceRevision)
        w.writeBool(emergency)
        w.writeBool(detached)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> SubmitRun {
        let fileName = try r.readString("pipelineFileName", maxBytes: limits.maxStringBytes)
        let text = try r.readString("pipelineText", maxBytes: limits.maxPipelineTextBytes)
        let sha = try r.readString("bundleSHA256", maxBytes: limits.maxStringBytes)
        let size = try r.readU64("bundleSize")
        let revision = try r.readString("sourceRevision", maxBytes: limits.maxStringBytes)
        let emergency = try r.readBool("emergency")
        let detached = try r.readBool("detached")
        return SubmitRun(pipelineFileName: fileName, pipelineText: text, bundleSHA256: sha,
                         bundleSize: size, sourceRevision: revision, emergency: emergency, detached: detached)
    }
}

extension RunAccepted {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeArray(jobs) { w, job in
            w.writeString(job.jobID)
            w.writeString(job.name)
        }
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> RunAccepted {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let jobs = try r.readArray("jobs", maxCount: limits.maxListCount,
                                   minElementBytes: MinimumEncodedSize.plannedJobSummary) { r throws(ProtocolError) in
            let jobID = try r.readString("jobs[].jobID", maxBytes: limits.maxStringBytes)
            let name = try r.readString("jobs[].name", maxBytes: limits.maxStringBytes)
            return PlannedJobSummary(jobID: jobID, name: name)
        }
        return RunAccepted(runID: runID, jobs: jobs)
    }
}

extension RunRejected {
    func encode(into w: inout ByteWriter) {
        w.writeString(reason)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> RunRejected {
        RunRejected(reason: try r.readString("reason", maxBytes: limits.maxStringBytes))
    }
}

extension JobEvent {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeString(jobID)
        w.writeEnum(state)
        w.writeString(agentName)
        w.writeString(detail)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> JobEvent {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let jobID = try r.readString("jobID", maxBytes: limits.maxStringBytes)
        let state = try r.readEnum(JobState.self, "state")
        let agentName = try r.readString("agentName", maxBytes: limits.maxStringBytes)
        let detail = try r.readString("detail", maxBytes: limits.maxStringBytes)
        return JobEvent(runID: runID, jobID: jobID, state: state, agentName: agentName, detail: detail)
    }
}

extension RunFinished {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeEnum(outcome)
        w.writeArray(jobs) { $1.encode(into: &$0) }
        w.writeString(verdictJSON)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> RunFinished {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let outcome = try r.readEnum(RunOutcome.self, "outcome")
        let jobs = try r.readArray("jobs", maxCount: limits.maxListCount,
                                   minElementBytes: MinimumEncodedSize.jobSummary) { r throws(ProtocolError) in
            try JobSummary.decode(from: &r, limits: limits)
        }
        let verdict = try r.readString("verdictJSON", maxBytes: limits.maxPipelineTextBytes)
        return RunFinished(runID: runID, outcome: outcome, jobs: jobs, verdictJSON: verdict)
    }
}

extension JobSummary {
    func encode(into w: inout ByteWriter) {
        w.writeString(jobID)
        w.writeString(name)
        w.writeString(agentName)
        w.writeEnum(state)
        w.writeU64(durationMillis)
        w.writeOptional(exitCode) { $0.writeI32($1) }
        w.writeU32(attempts)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> JobSummary {
        let jobID = try r.readString("jobs[].jobID", maxBytes: limits.maxStringBytes)
        let name = try r.readString("jobs[].name", maxBytes: limits.maxStringBytes)
        let agentName = try r.readString("jobs[].agentName", maxBytes: limits.maxStringBytes)
        let state = try r.readEnum(JobState.self, "jobs[].state")
        let duration = try r.readU64("jobs[].durationMillis")
        let exitCode = try r.readOptional("jobs[].exitCode") { r throws(ProtocolError) in
            try r.readI32("jobs[].exitCode")
        }
        let attempts = try r.readU32("jobs[].attempts")
        return JobSummary(jobID: jobID, name: name, agentName: agentName, state: state,
                          durationMillis: duration, exitCode: exitCode, attempts: attempts)
    }
}
