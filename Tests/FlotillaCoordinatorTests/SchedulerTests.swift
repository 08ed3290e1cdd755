import Testing
import FlotillaCoordinator

@Suite("Scheduler placement")
struct SchedulerTests {
    private func candidates(_ runID: String, count: Int, labels: Set<String> = ["linux"], chain: Int = 1) -> [Scheduler.Candidate] {
        (0..<count).map { Scheduler.Candidate(runID: runID, jobIndex: $0, labels: labels, chainLength: chain) }
    }

    private func slot(_ agent: ConnectionID, _ name: String, free: Int, labels: Set<String> = ["linux"]) -> Scheduler.Slot {
        Scheduler.Slot(agent: agent, name: name, labels: labels, free: free)
    }

    private func describe(_ placements: [Scheduler.Placement]) -> [String] {
        placements.map { "\($0.candidate.runID)#\($0.candidate.jobIndex)->\($0.agent)" }
    }

    @Test func runsTakeTurns() {
        let ready = candidates("r1", count: 10) + candidates("r2", count: 10)
        let two = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: [slot(1, "a", free: 2)])
        #expect(describe(two) == ["r1#0->1", "r2#0->1"])
        let three = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: [slot(1, "a", free: 3)])
        #expect(describe(three) == ["r1#0->1", "r2#0->1", "r1#1->1"])
    }

    @Test func runOrderDecidesWhoGoesFirst() {
        let ready = candidates("r1", count: 3) + candidates("r2", count: 3)
        let one = Scheduler.place(candidates: ready, runOrder: ["r2", "r1"], slots: [slot(1, "a", free: 1)])
        #expect(describe(one) == ["r2#0->1"])
    }

    @Test func exhaustedRunLeavesTheRestToOthers() {
        let ready = candidates("r1", count: 1) + candidates("r2", count: 5)
        let placed = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: [slot(1, "a", free: 4)])
        #expect(describe(placed) == ["r1#0->1", "r2#0->1", "r2#1->1", "r2#2->1"])
    }

    @Test func longestChainFirstThenJobOrder() {
        let ready = [
            Scheduler.Candidate(runID: "r", jobIndex: 0, labels: [], chainLength: 1),
            Scheduler.Candidate(runID: "r", jobIndex: 1, labels: [], chainLength: 3),
            Scheduler.Candidate(runID: "r", jobIndex: 2, labels: [], chainLength: 2),
            Scheduler.Candidate(runID: "r", jobIndex: 3, labels: [], chainLength: 3),
        ]
        let one = Scheduler.place(candidates: ready, runOrder: ["r"], slots: [slot(1, "a", free: 1)])
        #expect(describe(one) == ["r#1->1"])
        let all = Scheduler.place(candidates: ready, runOrder: ["r"], slots: [slot(1, "a", free: 9)])
        #expect(describe(all) == ["r#1->1", "r#3->1", "r#2->1", "r#0->1"])
    }

    @Test func labelMismatchLeavesJobsUnplaced() {
        let gpu = candidates("r", count: 2, labels: ["linux", "gpu"])
        #expect(Scheduler.place(candidates: gpu, runOrder: ["r"], slots: [slot(1, "a", free: 4)]).isEmpty)
        // A job nobody can take does not block the run's other jobs.
        let mixed = [Scheduler.Candidate(runID: "r", jobIndex: 0, labels: ["gpu"], chainLength: 5)]
            + [Scheduler.Candidate(runID: "r", jobIndex: 1, labels: ["linux"], chainLength: 1)]
        let placed = Scheduler.place(candidates: mixed, runOrder: ["r"], slots: [slot(1, "a", free: 4)])
        #expect(describe(placed) == ["r#1->1"])
    }

    @Test func labelsAreASubsetTest() {
        let ready = [Scheduler.Candidate(runID: "r", jobIndex: 0, labels: ["linux", "x64"], chainLength: 1)]
        let slots = [slot(1, "a", free: 9, labels: ["linux"]), slot(2, "b", free: 1, labels: ["linux", "x64", "big"])]
        #expect(describe(Scheduler.place(candidates: ready, runOrder: ["r"], slots: slots)) == ["r#0->2"])
        let unlabeled = [Scheduler.Candidate(runID: "r", jobIndex: 0, labels: [], chainLength: 1)]
        #expect(describe(Scheduler.place(candidates: unlabeled, runOrder: ["r"], slots: [slot(3, "c", free: 1, labels: [])]))
                == ["r#0->3"])
    }

    @Test func mostFreeAgentWinsWithNameAsTieBreak() {
        let ready = candidates("r", count: 1)
        let slots = [slot(1, "a", free: 1), slot(2, "b", free: 3), slot(3, "c", free: 2)]
        #expect(describe(Scheduler.place(candidates: ready, runOrder: ["r"], slots: slots)) == ["r#0->2"])
        let tied = [slot(5, "zeta", free: 2), slot(6, "alpha", free: 2), slot(7, "mid", free: 2)]
        #expect(describe(Scheduler.place(candidates: ready, runOrder: ["r"], slots: tied)) == ["r#0->6"])
        // Load spreads: each placement re-evaluates which agent has the most room.
        let spread = Scheduler.place(candidates: candidates("r", count: 4), runOrder: ["r"],
                                     slots: [slot(1, "a", free: 2), slot(2, "b", free: 3)])
        #expect(spread.map(\.agent) == [2, 1, 2, 1])
    }

    @Test func capacityIsRespectedExactly() {
        let ready = candidates("r1", count: 10) + candidates("r2", count: 10)
        let slots = [slot(1, "a", free: 2), slot(2, "b", free: 1), slot(3, "c", free: 0)]
        let placed = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: slots)
        #expect(placed.count == 3)
        #expect(placed.filter { $0.agent == 1 }.count == 2)
        #expect(placed.filter { $0.agent == 2 }.count == 1)
        #expect(!placed.contains { $0.agent == 3 })
        let distinct = Set(placed.map { "\($0.candidate.runID)#\($0.candidate.jobIndex)" })
        #expect(distinct.count == 3, "no job is placed twice")
    }

    @Test func nothingToPlaceOrNowhereToPlaceIt() {
        #expect(Scheduler.place(candidates: [], runOrder: ["r"], slots: [slot(1, "a", free: 3)]).isEmpty)
        #expect(Scheduler.place(candidates: candidates("r", count: 3), runOrder: ["r"], slots: []).isEmpty)
        #expect(Scheduler.place(candidates: candidates("r", count: 3), runOrder: ["r"], slots: [slot(1, "a", free: 0)]).isEmpty)
        #expect(Scheduler.place(candidates: candidates("r", count: 3), runOrder: ["r"], slots: [slot(1, "a", free: -2)]).isEmpty)
    }

    @Test func candidatesOfRunsMissingFromTheOrderAreNotPlaced() {
        let placed = Scheduler.place(candidates: candidates("ghost", count: 2) + candidates("r", count: 1),
                                     runOrder: ["r"], slots: [slot(1, "a", free: 5)])
        #expect(describe(placed) == ["r#0->1"])
    }
}
