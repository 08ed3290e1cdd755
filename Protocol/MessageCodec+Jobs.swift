// Coordinator <-> agent messages (AssignJob ... CancelJob) and source bundles.

extension JobAssignment {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeString(name)
        w.writeString(bundleSHA256)
        w.writeU64(bundleSize)
        w.writeArray(env) { $1.encode(into: &$0) }
        w.writeArray(steps) { $1.encode(into: &$0) }
        w.writeU64(timeoutMillis)
        w.writeArray(artifacts) { $1.encode(into: &$0) }
        w.writeArray(shardTests) { $0.writeString($1) }
        w.writeOptional(benchmark) { $1.encode(into: &$0) }
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> JobAssignment {
        let job = try JobRef.decode(from: &r, limits: limits)
        let name = try r.readString("name", maxBytes: limits.maxStringBytes)
        let sha = try r.readString("bundleSHA256", maxBytes: limits.maxStringBytes)
        let size = try r.readU64("bundleSize")
        let env = try r.readArray("env", maxCount: limits.maxListCount,
                                  minElementBytes: MinimumEncodedSize.envVar) { r throws(ProtocolError) in
            try EnvVar.decode(from: &r, limits: limits)
        }
        let steps = try r.readArray("steps", maxCount: limits.maxListCount,
                                    minElementBytes: MinimumEncodedSize.stepSpec) { r throws(ProtocolError) in
            try StepSpec.decode(from: &r, limits: limits)
        }
        let timeout = try r.readU64("timeoutMillis")
        let artifacts = try r.readArray("artifacts", maxCount: limits.maxListCount,
                                        minElementBytes: MinimumEncodedSize.artifactRequest) { r throws(ProtocolError) in
            try ArtifactRequest.decode(from: &r, limits: limits)
        }
        let shardTests = try r.readArray("shardTests", maxCount: limits.maxListCount,
                                         minElementBytes: MinimumEncodedSize.string) { r throws(ProtocolError) in
            try r.readShardTestID("shardTests[]")
        }
        let benchmark = try r.readOptional("benchmark") { (r: inout ByteReader) throws(ProtocolError) in
            try BenchmarkSettings.decode(from: &r)
        }
        return JobAssignment(job: job, name: name, bundleSHA256: sha, bundleSize: size, env: env,
                             steps: steps, timeoutMillis: timeout, artifacts: artifacts, shardTests: shardTests,
                             benchmark: benchmark)
    }
}

extension StepSpec {
    func encode(into w: inout ByteWriter) {
        w.writeString(id)
        w.writeString(name)
        w.writeString(condition)
        w.writeString(run)
        w.writeEnum(shell)
        w.writeArray(env) { $1.encode(into: &$0) }
        w.writeString(workingDirectory)
        w.writeU64(timeoutMillis)
        w.writeBool(continueOnError)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> StepSpec {
        let id = try r.readString("steps[].id", maxBytes: limits.maxStringBytes)
        let name = try r.readString("steps[].name", maxBytes: limits.maxStringBytes)
        let condition = try r.readString("steps[].condition", maxBytes: limits.maxStringBytes)
        let run = try r.readString("steps[].run", maxBytes: limits.maxStringBytes)
        let shell = try r.readEnum(StepShell.self, "steps[].shell")
        let env = try r.readArray("steps[].env", maxCount: limits.maxListCount,
                                  minElementBytes: MinimumEncodedSize.envVar) { r throws(ProtocolError) in
            try EnvVar.decode(from: &r, limits: limits)
        }
        let workingDirectory = try r.readString("steps[].workingDirectory", maxBytes: limits.maxStringBytes)
        let timeout = try r.readU64("steps[].timeoutMillis")
        let continueOnError = try r.readBool("steps[].continueOnError")
        return StepSpec(id: id, name: name, condition: condition, run: run, shell: shell, env: env,
                        workingDirectory: workingDirectory, timeoutMillis: timeout, continueOnError: continueOnError)
    }
}

extension JobStarted {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> JobStarted {
        JobStarted(job: try JobRef.decode(from: &r, limits: limits))
    }
}

extension StepStarted {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU32(stepIndex)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> StepStarted {
        let job = try JobRef.decode(from: &r, limits: limits)
        return StepStarted(job: job, stepIndex: try r.readU32("stepIndex"))
    }
}

extension StepFinished {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU32(stepIndex)
        w.writeEnum(outcome)
        w.writeI32(exitCode)
        w.writeU64(durationMillis)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> StepFinished {
        let job = try JobRef.decode(from: &r, limits: limits)
        let stepIndex = try r.readU32("stepIndex")
        let outcome = try r.readEnum(ExecutionOutcome.self, "outcome")
        let exitCode = try r.readI32("exitCode")
        let duration = try r.readU64("durationMillis")
        return StepFinished(job: job, stepIndex: stepIndex, outcome: outcome, exitCode: exitCode,
                            durationMillis: duration)
    }
}

extension LogChunk {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU64(sequence)
        w.writeU32(stepIndex)
        w.writeEnum(stream)
        w.writeBytes(data)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> LogChunk {
        let job = try JobRef.decode(from: &r, limits: limits)
        let sequence = try r.readU64("sequence")
        let stepIndex = try r.readU32("stepIndex")
        let stream = try r.readEnum(LogStream.self, "stream")
        let data = try r.readBytes("data", maxBytes: limits.maxLogChunkBytes)
        return LogChunk(job: job, sequence: sequence, stepIndex: stepIndex, stream: stream, data: data)
    }
}

extension JobFinished {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeEnum(outcome)
        w.writeI32(exitCode)
        w.writeU64(durationMillis)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> JobFinished {
        let job = try JobRef.decode(from: &r, limits: limits)
        let outcome = try r.readEnum(ExecutionOutcome.self, "outcome")
        let exitCode = try r.readI32("exitCode")
        let duration = try r.readU64("durationMillis")
        return JobFinished(job: job, outcome: outcome, exitCode: exitCode, durationMillis: duration)
    }
}

extension CancelJob {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeString(reason)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> CancelJob {
        let job = try JobRef.decode(from: &r, limits: limits)
        return CancelJob(job: job, reason: try r.readString("reason", maxBytes: limits.maxStringBytes))
    }
}

extension BundleRequest {
    func encode(into w: inout ByteWriter) {
        w.writeString(sha256)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> BundleRequest {
        BundleRequest(sha256: try r.readString("sha256", maxBytes: limits.maxStringBytes))
    }
}

extension BundleChunk {
    func encode(into w: inout ByteWriter) {
        w.writeString(sha256)
        w.writeU64(offset)
        w.writeBytes(data)
        w.writeBool(isLast)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> BundleChunk {
        let sha = try r.readString("sha256", maxBytes: limits.maxStringBytes)
        let offset = try r.readU64("offset")
        let data = try r.readBytes("data", maxBytes: limits.maxBundleChunkBytes)
        let isLast = try r.readBool("isLast")
        return BundleChunk(sha256: sha, offset: offset, data: data, isLast: isLast)
    }
}
