import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: agent registry")
struct AgentRegistrationTests {
    @Test func registrationRecordsLabelsAndCapacity() throws {
        var core = CoordinatorCore(runIDPrefix: "t")
        let fingerprint = MachineFingerprint(os: "linux", arch: "x86_64", cpuModel: "EPYC", cores: 8,
                                             memoryBytes: 1 << 34, kernel: "6.8")
        var hello = Fixture.hello("builder-1", labels: ["linux", "x64"], capacity: 3)
        hello.fingerprint = fingerprint
        #expect(core.agentRegistered(7, hello: hello, now: 42) == [])
        let agent = try #require(core.agents[7])
        #expect(agent.name == "builder-1")
        #expect(agent.labels == ["linux", "x64"])
        #expect(agent.capacity == 3)
        #expect(agent.freeSlots == 3)
        #expect(agent.fingerprint == fingerprint)
        #expect(agent.connectedAt == 42)
        #expect(core.hasAgent(matching: ["x64"]))
        #expect(core.hasAgent(matching: []))
        #expect(!core.hasAgent(matching: ["x64", "gpu"]))
    }

    @Test func duplicateNameIsRefusedWithAClose() throws {
        var core = CoordinatorCore(runIDPrefix: "t")
        #expect(core.agentRegistered(1, hello: Fixture.hello("a1"), now: 0) == [])
        let actions = core.agentRegistered(2, hello: Fixture.hello("a1", labels: ["gpu"], capacity: 8), now: 5)
        #expect(actions.count == 1)
        guard case .close(let connection, let error)? = actions.first else {
            Issue.record("expected a close, got \(actions)")
            return
        }
        #expect(connection == 2)
        let message = try #require(error)
        #expect(message.code == .notAuthorized)
        #expect(message.message.contains("'a1'"))
        #expect(message.message.contains("connection 1"))
        // The first agent keeps its place; the newcomer is not registered.
        #expect(Array(core.agents.keys) == [1])
        #expect(core.agents[1]?.labels == ["linux"])
        #expect(!core.hasAgent(matching: ["gpu"]))
    }

    @Test func nameIsFreeAgainAfterTheAgentLeaves() {
        var core = CoordinatorCore(runIDPrefix: "t")
        _ = core.agentRegistered(1, hello: Fixture.hello("a1"), now: 0)
        #expect(core.connectionClosed(1, reason: "bye", now: 1) == [])
        #expect(core.agents.isEmpty)
        #expect(core.agentRegistered(3, hello: Fixture.hello("a1"), now: 2) == [])
        #expect(Array(core.agents.keys) == [3])
    }

    @Test func registeringAnAgentPlacesQueuedWork() {
        var core = Fixture.core()
        let (runID, submitted) = core.submit([Fixture.job("build")], now: 10)
        #expect(submitted.assignments.isEmpty)
        #expect(core.state(runID, "build") == .queued)

        let actions = core.agentRegistered(4, hello: Fixture.hello("late"), now: 20)
        #expect(actions == Fixture.placed(4, runID, "build", agent: "late"))
        #expect(core.agents[4]?.running == [Fixture.ref(runID, "build")])
        #expect(core.job(runID, "build")?.assignedAt == 20)
    }

    @Test func agentWithoutTheLabelsGetsNothing() {
        var core = Fixture.core(agents: [Fixture.hello("mac", labels: ["macos"], capacity: 4)])
        let (runID, actions) = core.submit([Fixture.job("build", runsOn: ["linux"])])
        #expect(actions.assignments.isEmpty)
        #expect(core.agentRegistered(2, hello: Fixture.hello("win", labels: ["windows", "x64"], capacity: 4), now: 1) == [])
        #expect(core.state(runID, "build") == .queued)
        #expect(core.agents[1]?.running.isEmpty == true)
    }
}
