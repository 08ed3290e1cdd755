// Log messages: FetchLogs, LogListing (LogChunk is a job message, MessageCodec+Jobs).

extension FetchLogs {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeString(job)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> FetchLogs {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let job = try r.readString("job", maxBytes: limits.maxStringBytes)
        return FetchLogs(runID: runID, job: job)
    }
}

extension LogListing {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeArray(attempts) { w, attempt in
            w.writeString(attempt.jobID)
            w.writeString(attempt.name)
            w.writeU32(attempt.attempt)
            w.writeString(attempt.agentName)
        }
        w.writeString(error)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> LogListing {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let attempts = try r.readArray("attempts", maxCount: limits.maxListCount,
                                       minElementBytes: MinimumEncodedSize.logAttempt) { r throws(ProtocolError) in
            let jobID = try r.readString("attempts[].jobID", maxBytes: limits.maxStringBytes)
            let name = try r.readString("attempts[].name", maxBytes: limits.maxStringBytes)
            let attempt = try r.readU32("attempts[].attempt")
            let agent = try r.readString("attempts[].agentName", maxBytes: limits.maxStringBytes)
            return LogAttempt(jobID: jobID, name: name, attempt: attempt, agentName: agent)
        }
        let error = try r.readString("error", maxBytes: limits.maxStringBytes)
        return LogListing(runID: runID, attempts: attempts, error: error)
    }
}
