/// Pure placement: which ready job goes to which agent.
///
/// Rules, in order: an agent qualifies when the job's `runs-on` labels are a subset of its
/// labels and it has a free slot; runs take turns (one job from each run per round), so a
/// run never waits behind the whole of another; within a run, the job heading the longest
/// chain of dependents goes first; among qualifying agents, the one with the most free slots
/// wins (ties: name order), which spreads load across the fleet.
public enum Scheduler {
    /// A job that may start now.
    public struct Candidate: Sendable, Equatable {
        public var runID: String
        public var jobIndex: Int
        public var labels: Set<String>
        public var chainLength: Int
        public init(runID: String, jobIndex: Int, labels: Set<String>, chainLength: Int) {
            self.runID = runID; self.jobIndex = jobIndex; self.labels = labels; self.chainLength = chainLength
        }
    }

    /// An agent's capacity as seen by the scheduler.
    public struct Slot: Sendable, Equatable {
        public var agent: ConnectionID
        public var name: String
        public var labels: Set<String>
        public var free: Int
        public init(agent: ConnectionID, name: String, labels: Set<String>, free: Int) {
            self.agent = agent; self.name = name; self.labels = labels; self.free = free
        }
    }

    /// A decision: start `candidate` on `agent`.
    public struct Placement: Sendable, Equatable {
        public var candidate: Candidate
        public var agent: ConnectionID
    }

    /// Places as many candidates as the slots allow.
    ///
    /// - Parameters:
    ///   - candidates: ready jobs; `runOrder` decides which run goes first in each round.
    ///   - runOrder: run ids, oldest (or highest priority) first.
    ///   - slots: agents with their free capacity.
    /// - Returns: placements in decision order; each agent receives at most `free` of them.
    public static func place(candidates: [Candidate], runOrder: [String], slots: [Slot]) -> [Placement] {
        var slots = slots.filter { $0.free > 0 }
        guard !slots.isEmpty, !candidates.isEmpty else { return [] }
        var queues: [String: [Candidate]] = [:]
        for candidate in candidates { queues[candidate.runID, default: []].append(candidate) }
        for key in queues.keys {
            queues[key]!.sort { ($0.chainLength, -$0.jobIndex) > ($1.chainLength, -$1.jobIndex) }
        }
        let order = runOrder.filter { queues[$0] != nil }
        var placements: [Placement] = []
        var progressed = true
        while progressed {
            progressed = false
            for runID in order {
                guard var queue = queues[runID], !queue.isEmpty else { continue }
                // The first job of this run that some agent can take; jobs nobody can take stay queued.
                for (position, candidate) in queue.enumerated() {
                    guard let slotIndex = bestSlot(for: candidate.labels, in: slots) else { continue }
                    placements.append(Placement(candidate: candidate, agent: slots[slotIndex].agent))
                    slots[slotIndex].free -= 1
                    queue.remove(at: position)
                    progressed = true
                    break
                }
                queues[runID] = queue
            }
            if !slots.contains(where: { $0.free > 0 }) { break }
        }
        return placements
    }

    static func bestSlot(for labels: Set<String>, in slots: [Slot]) -> Int? {
        var best: Int?
        for (i, slot) in slots.enumerated() where slot.free > 0 && labels.isSubset(of: slot.labels) {
            if let b = best {
                if slot.free > slots[b].free || (slot.free == slots[b].free && slot.name < slots[b].name) { best = i }
            } else {
                best = i
            }
        }
        return best
    }
}
