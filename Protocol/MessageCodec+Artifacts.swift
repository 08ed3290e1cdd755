// Artifact messages (0x40…0x4B) and the ArtifactRequest/ArtifactSummary records.

extension ByteReader {
    /// Reads a string that must be a valid artifact name (`ArtifactNaming.isValidName`).
    mutating func readArtifactName(_ field: String) throws(ProtocolError) -> String {
        let name = try readString(field, maxBytes: ArtifactNaming.maxNameBytes)
        guard ArtifactNaming.isValidName(name) else { throw malformed(field, "'\(name)' is not \(ArtifactNaming.nameRule)") }
        return name
    }

    /// Reads a string that must be a valid relative path (`ArtifactNaming.isValidRelativePath`).
    mutating func readArtifactPath(_ field: String) throws(ProtocolError) -> String {
        let path = try readString(field, maxBytes: ArtifactNaming.maxRelativePathBytes)
        guard ArtifactNaming.isValidRelativePath(path) else {
            throw malformed(field, "'\(path)' is not \(ArtifactNaming.relativePathRule)")
        }
        return path
    }

    /// Reads a string that must be 64 lowercase hex digits.
    mutating func readSHA256(_ field: String) throws(ProtocolError) -> String {
        let sha = try readString(field, maxBytes: 64)
        guard ArtifactNaming.isSHA256Hex(sha) else { throw malformed(field, "'\(sha)' is not 64 lowercase hex digits") }
        return sha
    }
}

extension ArtifactRequest {
    func encode(into w: inout ByteWriter) {
        w.writeString(path)
        w.writeString(name)
        w.writeEnum(kind)
    }

    // The pattern and name are checked by the agent, which refuses the entry with a reason the
    // user sees; refusing them here would end the agent's whole connection instead.
    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactRequest {
        let path = try r.readString("artifacts[].path", maxBytes: limits.maxStringBytes)
        let name = try r.readString("artifacts[].name", maxBytes: limits.maxStringBytes)
        let kind = try r.readEnum(ArtifactKindCode.self, "artifacts[].kind")
        return ArtifactRequest(path: path, name: name, kind: kind)
    }
}

extension ArtifactSummary {
    func encode(into w: inout ByteWriter) {
        w.writeString(name)
        w.writeString(jobID)
        w.writeString(relativePath)
        w.writeEnum(kind)
        w.writeU64(size)
        w.writeString(sha256)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits, field: String) throws(ProtocolError) -> ArtifactSummary {
        let name = try r.readArtifactName("\(field).name")
        let jobID = try r.readString("\(field).jobID", maxBytes: limits.maxStringBytes)
        let relativePath = try r.readArtifactPath("\(field).relativePath")
        let kind = try r.readEnum(ArtifactKindCode.self, "\(field).kind")
        let size = try r.readU64("\(field).size")
        let sha = try r.readSHA256("\(field).sha256")
        return ArtifactSummary(name: name, jobID: jobID, relativePath: relativePath, kind: kind, size: size, sha256: sha)
    }
}

extension ArtifactBegin {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU32(artifactID)
        w.writeString(name)
        w.writeString(relativePath)
        w.writeEnum(kind)
        w.writeU64(size)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactBegin {
        let job = try JobRef.decode(from: &r, limits: limits)
        let id = try r.readU32("artifactID")
        let name = try r.readArtifactName("name")
        let relativePath = try r.readArtifactPath("relativePath")
        let kind = try r.readEnum(ArtifactKindCode.self, "kind")
        let size = try r.readU64("size")
        return ArtifactBegin(job: job, artifactID: id, name: name, relativePath: relativePath, kind: kind, size: size)
    }
}

extension ArtifactChunk {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU32(artifactID)
        w.writeU64(offset)
        w.writeBytes(data)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactChunk {
        let job = try JobRef.decode(from: &r, limits: limits)
        let id = try r.readU32("artifactID")
        let offset = try r.readU64("offset")
        let data = try r.readBytes("data", maxBytes: limits.maxArtifactChunkBytes)
        return ArtifactChunk(job: job, artifactID: id, offset: offset, data: data)
    }
}

extension ArtifactEnd {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU32(artifactID)
        w.writeString(sha256)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactEnd {
        let job = try JobRef.decode(from: &r, limits: limits)
        let id = try r.readU32("artifactID")
        return ArtifactEnd(job: job, artifactID: id, sha256: try r.readSHA256("sha256"))
    }
}

extension ArtifactRefused {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeString(path)
        w.writeString(reason)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactRefused {
        let job = try JobRef.decode(from: &r, limits: limits)
        let path = try r.readString("path", maxBytes: limits.maxStringBytes)
        let reason = try r.readString("reason", maxBytes: limits.maxStringBytes)
        return ArtifactRefused(job: job, path: path, reason: reason)
    }
}

extension ArtifactAck {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU32(artifactID)
        w.writeEnum(status)
        w.writeString(message)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactAck {
        let job = try JobRef.decode(from: &r, limits: limits)
        let id = try r.readU32("artifactID")
        let status = try r.readEnum(ArtifactAck.Status.self, "status")
        let message = try r.readString("message", maxBytes: limits.maxStringBytes)
        return ArtifactAck(job: job, artifactID: id, status: status, message: message)
    }
}

extension ArtifactStored {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        record.encode(into: &w)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactStored {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        return ArtifactStored(runID: runID, record: try ArtifactSummary.decode(from: &r, limits: limits, field: "record"))
    }
}

extension ListArtifacts {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ListArtifacts {
        ListArtifacts(runID: try r.readString("runID", maxBytes: limits.maxStringBytes))
    }
}

extension FetchArtifact {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeString(name)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> FetchArtifact {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        return FetchArtifact(runID: runID, name: try r.readArtifactName("name"))
    }
}

extension ArtifactList {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeArray(artifacts) { $1.encode(into: &$0) }
        w.writeString(error)
        w.writeBool(isLast)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactList {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let artifacts = try r.readArray("artifacts", maxCount: limits.maxListCount,
                                        minElementBytes: MinimumEncodedSize.artifactSummary) { r throws(ProtocolError) in
            try ArtifactSummary.decode(from: &r, limits: limits, field: "artifacts[]")
        }
        let error = try r.readString("error", maxBytes: limits.maxStringBytes)
        let isLast = try r.readBool("isLast")
        return ArtifactList(runID: runID, artifacts: artifacts, error: error, isLast: isLast)
    }
}

extension ArtifactData {
    func encode(into w: inout ByteWriter) {
        w.writeString(runID)
        w.writeString(name)
        w.writeU64(offset)
        w.writeBytes(data)
        w.writeBool(isLast)
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> ArtifactData {
        let runID = try r.readString("runID", maxBytes: limits.maxStringBytes)
        let name = try r.readArtifactName("name")
        let offset = try r.readU64("offset")
        let data = try r.readBytes("data", maxBytes: limits.maxArtifactChunkBytes)
        let isLast = try r.readBool("isLast")
        return ArtifactData(runID: runID, name: name, offset: offset, data: data, isLast: isLast)
    }
}
