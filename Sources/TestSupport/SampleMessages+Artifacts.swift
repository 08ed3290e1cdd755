import WireProtocol

extension SampleMessages {
    /// A stored artifact record with a nested relative path.
    public static let artifactSummary = ArtifactSummary(
        name: "junit-2.xml", jobID: "test (linux, 🐧 x86_64) [3/8]", relativePath: "build/reports/junit.xml",
        kind: .junit, size: 1 << 33, sha256: String(repeating: "9f", count: 32))

    /// At least one message of every artifact case (uploads, acks, listing, download).
    public static let artifacts: [Message] = [
        .assignJob(JobAssignment(job: job, name: "test", bundleSHA256: String(repeating: "0f", count: 32), bundleSize: 1,
                                 env: [], steps: [StepSpec(name: "build", run: "make")], timeoutMillis: 0,
                                 artifacts: [ArtifactRequest(path: "build/**/*.xml", name: "", kind: .junit),
                                             ArtifactRequest(path: "coverage.lcov", name: "coverage ✓", kind: .coverage),
                                             ArtifactRequest(path: "../escape", name: "x", kind: .sarif)])),
        .artifactBegin(ArtifactBegin(job: job, artifactID: 0, name: "junit.xml", relativePath: "build/reports/junit.xml",
                                     kind: .junit, size: 0)),
        .artifactBegin(ArtifactBegin(job: job, artifactID: .max, name: "a", relativePath: "a", kind: .file, size: .max)),
        .artifactChunk(ArtifactChunk(job: job, artifactID: 3, offset: 262_144, data: allByteValues)),
        .artifactChunk(ArtifactChunk(job: job, artifactID: 0, offset: 0, data: [])),
        .artifactEnd(ArtifactEnd(job: job, artifactID: 3, sha256: String(repeating: "0a", count: 32))),
        .artifactRefused(ArtifactRefused(job: job, path: "/etc/passwd", reason: "absolute paths are not allowed")),
        .artifactAck(ArtifactAck(job: job, artifactID: 3, status: .stored, message: "stored as junit-2.xml")),
        .artifactAck(ArtifactAck(job: job, artifactID: 4, status: .retry, message: "")),
        .artifactAck(ArtifactAck(job: job, artifactID: 5, status: .rejected, message: "checksum mismatch — «again»")),
        .artifactStored(ArtifactStored(runID: "run-42", record: artifactSummary)),
        .listArtifacts(ListArtifacts(runID: "run-42")),
        .fetchArtifact(FetchArtifact(runID: "run-42", name: "junit-2.xml")),
        .artifactList(ArtifactList(runID: "run-42", artifacts: [artifactSummary,
            ArtifactSummary(name: "empty", jobID: "", relativePath: "x/y/empty", kind: .file, size: 0,
                           sha256: String(repeating: "e3", count: 32))], isLast: false)),
        .artifactList(ArtifactList(runID: "run-9", artifacts: [], error: "no run 'run-9' is known to this coordinator")),
        .artifactData(ArtifactData(runID: "run-42", name: "junit-2.xml", offset: 1 << 32, data: allByteValues, isLast: false)),
        .artifactData(ArtifactData(runID: "run-42", name: "empty", offset: 0, data: [], isLast: true)),
    ]
}
