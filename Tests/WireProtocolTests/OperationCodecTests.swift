import Testing
import TestSupport
import WireProtocol

@Suite("Operator messages: watch, cancel, drain, lists")
struct OperationCodecTests {
    private static func decode(_ type: MessageType, _ bytes: [UInt8]) throws -> Message {
        try MessageCodec.decode(type: type.rawValue, body: bytes)
    }

    @Test("type codes are the ones PROTOCOL.md lists")
    func typeCodes() {
        #expect(MessageType.watchRun.rawValue == 0x15)
        #expect(MessageType.cancelRun.rawValue == 0x16)
        #expect(MessageType.drainAgent.rawValue == 0x17)
        #expect(MessageType.commandResult.rawValue == 0x18)
        #expect(MessageType.listRuns.rawValue == 0x19)
        #expect(MessageType.runList.rawValue == 0x1A)
        #expect(MessageType.listAgents.rawValue == 0x1B)
        #expect(MessageType.agentList.rawValue == 0x1C)
    }

    @Test("SubmitRun ends with the detached flag; a body without it is truncated")
    func submitDetached() throws {
        let submit = SubmitRun(pipelineFileName: "a", pipelineText: "", bundleSHA256: "", bundleSize: 1, sourceRevision: "",
                               emergency: false, detached: true)
        let bytes = MessageCodec.encodeBody(.submitRun(submit))
        #expect(Array(bytes.suffix(2)) == [0, 1])
        #expect(try Self.decode(.submitRun, bytes) == .submitRun(submit))
        #expect(decodeError(.submitRun, Array(bytes.dropLast()))?.malformedField == "detached")
        var bad = bytes
        bad[bad.count - 1] = 2
        #expect(decodeError(.submitRun, bad)?.malformedField == "detached")
    }

    @Test("golden bodies of the small requests")
    func golden() throws {
        #expect(MessageCodec.encodeBody(.watchRun(WatchRun(runID: "r1"))) == [0, 0, 0, 2, 0x72, 0x31])
        #expect(MessageCodec.encodeBody(.cancelRun(CancelRun(runID: "r", reason: "é")))
            == [0, 0, 0, 1, 0x72, 0, 0, 0, 2, 0xC3, 0xA9])
        #expect(MessageCodec.encodeBody(.drainAgent(DrainAgent(name: "a", drain: true))) == [0, 0, 0, 1, 0x61, 1])
        #expect(MessageCodec.encodeBody(.commandResult(CommandResult(ok: false, message: "x"))) == [0, 0, 0, 0, 1, 0x78])
        #expect(MessageCodec.encodeBody(.listRuns(ListRuns(limit: 258))) == [0, 0, 1, 2])
        #expect(MessageCodec.encodeBody(.listAgents(ListAgents())) == [])
        #expect(MessageType.fetchLogs.rawValue == 0x1D && MessageType.logListing.rawValue == 0x1E)
        #expect(MessageCodec.encodeBody(.fetchLogs(FetchLogs(runID: "r", job: ""))) == [0, 0, 0, 1, 0x72, 0, 0, 0, 0])
        #expect(MessageCodec.encodeBody(.logListing(LogListing(runID: "", attempts: [
            LogAttempt(jobID: "j", name: "", attempt: 2, agentName: "a")]))) == [0, 0, 0, 0, 0, 0, 0, 1,
                                                                               0, 0, 0, 1, 0x6A, 0, 0, 0, 0, 0, 0, 0, 2,
                                                                               0, 0, 0, 1, 0x61, 0, 0, 0, 0])
        #expect(try Self.decode(.listAgents, []) == .listAgents(ListAgents()))
        #expect(decodeError(.listAgents, [0])?.malformedMessage == .listAgents)
    }

    @Test("a run list entry: strings, optional outcome, i64 times as u64 bits, optional finish time, then error")
    func runListLayout() throws {
        let list = RunList(runs: [RunListEntry(id: "i", pipeline: "p", state: "s", outcome: .failed, submitter: "u",
                                               revision: "v", submittedAtMillis: -2, finishedAtMillis: nil)])
        let bytes = MessageCodec.encodeBody(.runList(list))
        let expected: [UInt8] = [0, 0, 0, 1,
                                 0, 0, 0, 1, 0x69, 0, 0, 0, 1, 0x70, 0, 0, 0, 1, 0x73,
                                 1, 2,
                                 0, 0, 0, 1, 0x75, 0, 0, 0, 1, 0x76,
                                 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
                                 0,
                                 0, 0, 0, 0]
        #expect(bytes == expected)
        #expect(try Self.decode(.runList, bytes) == .runList(list))
        var badOutcome = bytes
        badOutcome[20] = 9
        #expect(decodeError(.runList, badOutcome)?.malformedField == "runs[].outcome")
        var badTag = bytes
        badTag[19] = 7
        #expect(decodeError(.runList, badTag)?.malformedField == "runs[].outcome")
    }

    @Test("impossible counts and bad bools are rejected before allocating")
    func malformedLists() {
        #expect(decodeError(.runList, [0, 0, 0, 5, 0, 0, 0, 0]) != nil)
        #expect(decodeError(.agentList, [0xFF, 0xFF, 0xFF, 0xFF]) != nil)
        let agent = AgentListEntry(name: "a", labels: ["l"], capacity: 1, connected: true, drained: false, running: 0,
                                   fingerprint: nil, lastSeenMillis: 0)
        var bytes = MessageCodec.encodeBody(.agentList(AgentList(agents: [agent])))
        // count(4) name(5) labels(4+5) capacity(4) -> connected at offset 22
        bytes[22] = 3
        #expect(decodeError(.agentList, bytes)?.malformedField == "agents[].connected")
        #expect(decodeError(.drainAgent, [0, 0, 0, 0, 2])?.malformedField == "drain")
        #expect(decodeError(.commandResult, [1])?.malformedField == "message")
    }

    @Test("clients may send the requests; only the coordinator answers them")
    func directions() {
        for type in [MessageType.watchRun, .cancelRun, .drainAgent, .listRuns, .listAgents, .fetchLogs] {
            #expect(type.isAllowed(from: .client, to: .coordinator))
            #expect(!type.isAllowed(from: .agent, to: .coordinator))
            #expect(!type.isAllowed(from: .coordinator, to: .client))
        }
        for type in [MessageType.commandResult, .runList, .agentList, .logListing] {
            #expect(type.isAllowed(from: .coordinator, to: .client))
            #expect(!type.isAllowed(from: .coordinator, to: .agent))
            #expect(!type.isAllowed(from: .client, to: .coordinator))
        }
    }

    @Test("every operator message has a sample, so the generic codec tests cover it")
    func samplesCoverOperations() {
        let covered = Set(SampleMessages.all.map(\.messageType))
        for type in [MessageType.watchRun, .cancelRun, .drainAgent, .commandResult, .listRuns, .runList, .listAgents, .agentList,
                     .fetchLogs, .logListing] {
            #expect(covered.contains(type))
        }
    }
}
