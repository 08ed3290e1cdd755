// Session messages: Hello, Welcome, Heartbeat, Error, and the records they embed.

extension Hello {
    func encode(into w: inout ByteWriter) {
        w.writeU32(magic)
        w.writeU16(minVersion)
        w.writeU16(maxVersion)
        w.writeEnum(role)
        w.writeString(name)
        w.writeArray(labels) { $0.writeString($1) }
        w.writeU32(capacity)
        w.writeOptional(fingerprint) { $1.encode(into: &$0) }
        w.writeArray(runningJobs) { $1.encode(into: &$0) }
        w.writeString(machineClass)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> Hello {
        let magic = try r.readU32("magic")
        let minVersion = try r.readU16("minVersion")
        let maxVersion = try r.readU16("maxVersion")
        let role = try r.readEnum(PeerRole.self, "role")
        let name = try r.readString("name", maxBytes: limits.maxStringBytes)
        let labels = try r.readArray("labels", maxCount: limits.maxListCount,
                                     minElementBytes: MinimumEncodedSize.string) { (r: inout ByteReader) throws(ProtocolError) in
            try r.readString("labels[]", maxBytes: limits.maxStringBytes)
        }
        let capacity = try r.readU32("capacity")
        let fingerprint = try r.readOptional("fingerprint") { (r: inout ByteReader) throws(ProtocolError) in
            try MachineFingerprint.decode(from: &r, limits: limits)
        }
        let runningJobs = try r.readArray("runningJobs", maxCount: limits.maxListCount,
                                          minElementBytes: MinimumEncodedSize.jobRef) { (r: inout ByteReader) throws(ProtocolError) in
            try JobRef.decode(from: &r, limits: limits)
        }
        let machineClass = try r.readString("machineClass", maxBytes: Hello.maxMachineClassBytes)
        return Hello(magic: magic, minVersion: minVersion, maxVersion: maxVersion, role: role, name: name,
                     labels: labels, capacity: capacity, fingerprint: fingerprint, runningJobs: runningJobs,
                     machineClass: machineClass)
    }
}

extension MachineFingerprint {
    func encode(into w: inout ByteWriter) {
        w.writeString(os)
        w.writeString(arch)
        w.writeString(cpuModel)
        w.writeU32(cores)
        w.writeU64(memoryBytes)
        w.writeString(kernel)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> MachineFingerprint {
        let os = try r.readString("fingerprint.os", maxBytes: limits.maxStringBytes)
        let arch = try r.readString("fingerprint.arch", maxBytes: limits.maxStringBytes)
        let cpuModel = try r.readString("fingerprint.cpuModel", maxBytes: limits.maxStringBytes)
        let cores = try r.readU32("fingerprint.cores")
        let memoryBytes = try r.readU64("fingerprint.memoryBytes")
        let kernel = try r.readString("fingerprint.kernel", maxBytes: limits.maxStringBytes)
        return MachineFingerprint(os: os, arch: arch, cpuModel: cpuModel, cores: cores,
                                  memoryBytes: memoryBytes, kernel: kernel)
    }
}

extension Welcome {
    func encode(into w: inout ByteWriter) {
        w.writeU16(version)
        w.writeString(coordinatorName)
        w.writeU32(heartbeatIntervalMillis)
        w.writeU32(heartbeatTimeoutMillis)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> Welcome {
        let version = try r.readU16("version")
        let coordinatorName = try r.readString("coordinatorName", maxBytes: limits.maxStringBytes)
        let interval = try r.readU32("heartbeatIntervalMillis")
        let timeout = try r.readU32("heartbeatTimeoutMillis")
        return Welcome(version: version, coordinatorName: coordinatorName,
                       heartbeatIntervalMillis: interval, heartbeatTimeoutMillis: timeout)
    }
}

extension Heartbeat {
    func encode(into w: inout ByteWriter) {
        w.writeU64(sequence)
    }

    static func decode(from r: inout ByteReader) throws(ProtocolError) -> Heartbeat {
        Heartbeat(sequence: try r.readU64("sequence"))
    }
}

extension ProtocolErrorMessage {
    func encode(into w: inout ByteWriter) {
        w.writeEnum(code)
        w.writeString(message)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ProtocolErrorMessage {
        let code = try r.readEnum(ErrorCode.self, "code")
        let message = try r.readString("message", maxBytes: limits.maxStringBytes)
        return ProtocolErrorMessage(code: code, message: message)
    }
}

extension JobRef {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeString(jobID)
        w.writeU32(attempt)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> JobRef {
        let runID = try r.readString("job.runID", maxBytes: limits.maxStringBytes)
        let jobID = try r.readString("job.jobID", maxBytes: limits.maxStringBytes)
        let attempt = try r.readU32("job.attempt")
        return JobRef(runID: runID, jobID: jobID, attempt: attempt)
    }
}

extension EnvVar {
    func encode(into w: inout ByteWriter) {
        w.writeString(name)
        w.writeString(value)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> EnvVar {
        let name = try r.readString("env[].name", maxBytes: limits.maxStringBytes)
        let value = try r.readString("env[].value", maxBytes: limits.maxStringBytes)
        return EnvVar(name: name, value: value)
    }
}
