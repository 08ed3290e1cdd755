import FlotillaCore
@testable import FlotillaStore
import TestSupport
import Testing
import WireProtocol

@Suite("Agents, audit log, verdicts, artifacts")
struct RecordStoreTests {
    @Test func agentsRoundTripAndKeepTheirDrainFlag() throws {
        let fixture = try StoreFixture("records")
        try fixture.store.recordAgentSeen(name: "a1", labels: ["linux", "x86_64", "gpu"], capacity: 4,
                                          fingerprint: SampleMessages.fingerprint, at: 100)
        try fixture.store.recordAgentSeen(name: "a0", labels: [], capacity: 1, fingerprint: nil, at: 50)
        #expect(try fixture.store.agent(named: "a1") == StoredAgent(
            name: "a1", labels: ["linux", "x86_64", "gpu"], capacity: 4, fingerprint: SampleMessages.fingerprint,
            firstSeen: 100, lastSeen: 100, drained: false))

        try fixture.store.setAgentDrained(name: "a1", drained: true, actor: "ops@laptop", at: 150, detail: "disk swap")
        try fixture.store.recordAgentHeartbeat(name: "a1", at: 160)
        try fixture.store.recordAgentHeartbeat(name: "a1", at: 155)  // late heartbeats never move it back
        // Reconnecting with new labels keeps the drain flag and the first-seen time.
        try fixture.store.recordAgentSeen(name: "a1", labels: ["linux"], capacity: 2, fingerprint: nil, at: 200)
        let a1 = try #require(try fixture.store.agent(named: "a1"))
        #expect(a1 == StoredAgent(name: "a1", labels: ["linux"], capacity: 2, fingerprint: nil, firstSeen: 100,
                                  lastSeen: 200, drained: true))
        #expect(try fixture.store.agents().map(\.name) == ["a0", "a1"])
        #expect(try fixture.store.agent(named: "zz") == nil)

        let audit = try #require(try fixture.store.auditLog(limit: 5).first)
        #expect(audit.action == .drained && audit.actor == "ops@laptop" && audit.subject == "a1"
                && audit.detail == "disk swap" && audit.at == 150)

        #expect(throws: StoreError.self) { try fixture.store.recordAgentHeartbeat(name: "zz", at: 1) }
        let error = #expect(throws: StoreError.self) {
            try fixture.store.setAgentDrained(name: "zz", drained: true, actor: "ops", at: 1)
        }
        #expect(error?.kind == .notFound)
    }

    @Test func auditLogIsNewestFirstAndFiltersBySubject() throws {
        let fixture = try StoreFixture("records")
        let entries = [
            AuditEntry(at: 1, actor: "alice", action: .submitted, subject: "r1", detail: "ci.yml"),
            AuditEntry(at: 2, actor: "bob", action: .cancelled, subject: "r1", detail: "wrong branch"),
            AuditEntry(at: 3, actor: "ops", action: AuditAction(rawValue: "rotated-ca"), subject: "fleet"),
        ]
        var ids: [Int64] = []
        for entry in entries { ids.append(try fixture.store.recordAudit(entry)) }
        #expect(ids == ids.sorted() && Set(ids).count == 3)
        let all = try fixture.store.auditLog(limit: 10)
        #expect(all.map(\.id) == ids.reversed())
        var expected = entries.reversed() as [AuditEntry]
        for i in expected.indices { expected[i].id = all[i].id }
        #expect(all == expected)
        #expect(try fixture.store.auditLog(limit: 10, subject: "r1").map(\.action) == [.cancelled, .submitted])
        #expect(try fixture.store.auditLog(limit: 1).map(\.subject) == ["fleet"])
    }

    @Test func verdictsAreStoredAndReplaced() throws {
        let fixture = try StoreFixture("records")
        try Samples.insertRun(fixture.store, "r1")
        #expect(try fixture.store.verdict(ofRun: "r1") == nil)
        try fixture.store.recordVerdict(VerdictRecord(runID: "r1", json: #"{"pass":false}"#, recordedAt: 1))
        try fixture.store.recordVerdict(VerdictRecord(runID: "r1", json: #"{"pass":true,"gates":["ü"]}"#, recordedAt: 2))
        #expect(try fixture.store.verdict(ofRun: "r1") == VerdictRecord(runID: "r1", json: #"{"pass":true,"gates":["ü"]}"#, recordedAt: 2))
        let error = #expect(throws: StoreError.self) {
            try fixture.store.recordVerdict(VerdictRecord(runID: "nope", json: "{}", recordedAt: 1))
        }
        #expect(error?.kind == .constraint)
    }

    private func artifact(_ name: String, job: String = "build", attempt: UInt32 = 1, sha: String = "aa") -> ArtifactRecord {
        ArtifactRecord(runID: "r1", jobID: job, attempt: attempt, name: name, relativePath: "out/\(name).xml",
                       kind: "junit", size: 4096, sha256: String(repeating: sha, count: 32), recordedAt: 77)
    }

    @Test func artifactsRoundTripAndAreUniquePerRun() throws {
        let fixture = try StoreFixture("records")
        try Samples.insertRun(fixture.store, "r1")
        for (job, attempt) in [("build", 1), ("build", 2), ("test", 1)] {
            try fixture.store.recordAssignment(JobRef(runID: "r1", jobID: job, attempt: UInt32(attempt)), agent: "a", at: 1)
        }
        #expect(try fixture.store.recordArtifact(artifact("report", job: "test")))
        #expect(try fixture.store.recordArtifact(artifact("results")))
        var resent = artifact("results")
        resent.recordedAt = 99
        #expect(try !fixture.store.recordArtifact(resent), "a resent upload is a no-op")
        #expect(try fixture.store.artifacts(ofRun: "r1") == [artifact("results"), artifact("report", job: "test")])

        // Another job may not take the name; the same attempt may not change its content.
        let taken = #expect(throws: StoreError.self) { try fixture.store.recordArtifact(artifact("results", job: "test")) }
        #expect(taken?.kind == .constraint)
        #expect(throws: StoreError.self) { try fixture.store.recordArtifact(artifact("results", sha: "bb")) }

        // A retry of the same job replaces the earlier attempt's record; the earlier one cannot come back.
        #expect(try fixture.store.recordArtifact(artifact("results", attempt: 2, sha: "cc")))
        #expect(throws: StoreError.self) { try fixture.store.recordArtifact(artifact("results", attempt: 1)) }
        #expect(try fixture.store.artifacts(ofRun: "r1").first == artifact("results", attempt: 2, sha: "cc"))

        let missing = #expect(throws: StoreError.self) { try fixture.store.recordArtifact(artifact("x", attempt: 9)) }
        #expect(missing?.kind == .notFound)
    }
}

@Suite("Test timings")
struct TimingStoreTests {
    private func cases(_ pairs: [(String, Double)]) -> [TestCaseTiming] {
        pairs.map { TestCaseTiming(classname: "Suite", name: $0.0, file: "Tests/\($0.0).swift", seconds: $0.1) }
    }

    @Test func historyRoundTripsNewestRunFirst() throws {
        let fixture = try StoreFixture("timings")
        let first = cases([("a", 1.5), ("b", 2)]) + [TestCaseTiming(classname: "", name: "bare", seconds: 0)]
        #expect(try fixture.store.recordTestTimings(first, jobKey: "ci.yml#test", runID: "r1", jobID: "test", at: 10))
        #expect(try fixture.store.recordTestTimings(cases([("a", 3)]), jobKey: "ci.yml#test", runID: "r2", jobID: "test", at: 20))
        #expect(try fixture.store.recordTestTimings(cases([("z", 9)]), jobKey: "other", runID: "r2", jobID: "x", at: 20))
        #expect(try fixture.store.testTimingHistory(forJob: "ci.yml#test") == [cases([("a", 3)]), first])
        #expect(try fixture.store.testTimingHistory(forJob: "ci.yml#test", runs: 1) == [cases([("a", 3)])])
        #expect(try fixture.store.testTimingHistory(forJob: "never").isEmpty)
        #expect(try fixture.store.timings(forJob: "never").isEmpty)
    }

    @Test func estimatesAverageRecentRunsAndSumShardsOfOneRun() throws {
        let fixture = try StoreFixture("timings")
        // Run 1 in two shards; run 2 in one job. `a` appears in both runs, `b` only in run 1.
        try fixture.store.recordTestTimings(cases([("a", 10)]), jobKey: "k", runID: "r1", jobID: "test-shard-1-of-2", at: 1)
        try fixture.store.recordTestTimings(cases([("b", 4), ("a", 2)]), jobKey: "k", runID: "r1", jobID: "test-shard-2-of-2", at: 1)
        try fixture.store.recordTestTimings(cases([("a", 20)]), jobKey: "k", runID: "r2", jobID: "test", at: 2)
        let estimates = try fixture.store.timings(forJob: "k")
        #expect(estimates["Suite.a"] == 16, "(10 + 2 in run 1, 20 in run 2) / 2 runs")
        #expect(estimates["Suite/b"] == 4, "averaged only over the runs that have it")
        #expect(estimates["Tests/a.swift"] == 16)
        #expect(estimates == TimingHistory.match(runs: try fixture.store.testTimingHistory(forJob: "k")))
    }

    @Test func resentReportsAndInvalidTimesChangeNothing() throws {
        let fixture = try StoreFixture("timings")
        #expect(try fixture.store.recordTestTimings(cases([("a", 10)]), jobKey: "k", runID: "r1", jobID: "j", at: 1))
        #expect(try !fixture.store.recordTestTimings(cases([("a", 99)]), jobKey: "k", runID: "r1", jobID: "j", at: 2))
        try fixture.store.recordTestTimings(cases([("b", -1), ("c", .nan), ("d", .infinity), ("e", 1)]),
                                            jobKey: "k", runID: "r2", jobID: "j", at: 3)
        #expect(try fixture.store.testTimingHistory(forJob: "k") == [cases([("e", 1)]), cases([("a", 10)])])
    }

    @Test func keepsOnlyTheNewestRunsPerJobKey() throws {
        let fixture = try StoreFixture("timings")
        let count = CoordinatorStore.timingRunsKept + 3
        for i in 0..<count {
            try fixture.store.recordTestTimings(cases([("a", Double(i))]), jobKey: "k", runID: "r\(i)", jobID: "j", at: Int64(i))
        }
        let history = try fixture.store.testTimingHistory(forJob: "k", runs: 100)
        #expect(history.count == CoordinatorStore.timingRunsKept)
        #expect(history.first == cases([("a", Double(count - 1))]))
        #expect(history.last == cases([("a", Double(count - CoordinatorStore.timingRunsKept))]))
        #expect(try fixture.store.db.queryOne("SELECT count(*) FROM test_cases", []) { $0.int(0) } == CoordinatorStore.timingRunsKept)
    }
}
