/// Pure placement: which ready job goes to which agent.
///
/// Rules, in order: an agent qualifies when the job's `runs-on` labels are a subset of its
/// labels and it has a free slot; runs take turns (one job from each run per round), so a
/// run never waits behind the whole of another; within a run, the job heading the longest
/// chain of dependents goes first; among qualifying agents, the one with the most free slots
/// wins (ties: name order), which spreads load across the fleet. An exclusive job (a benchmark)
/// only goes to an agent running nothing, and that agent takes nothing else meanwhile; an
/// agent reserved for a waiting exclusive job takes no other job, so it drains.
public enum Scheduler {
    /// A job that may start now.
    public struct Candidate: Sendable, Equatable {
        public var runID: String
        public var jobIndex: Int
        public var labels: Set<String>
        public var chainLength: Int
        /// Needs a whole agent: an idle one, which then takes nothing else while it runs.
        public var exclusive: Bool
        /// Only agents of this machine class (a benchmark confirmation); nil for any.
        public var machineClass: String?
        /// Not this agent (a confirmation re-run), when `avoidIsStrict`; else another one is
        /// preferred when one qualifies now.
        public var avoidAgent: String?
        /// Wait for another agent rather than take `avoidAgent`.
        public var avoidIsStrict: Bool
        public init(runID: String, jobIndex: Int, labels: Set<String>, chainLength: Int, exclusive: Bool = false,
                    machineClass: String? = nil, avoidAgent: String? = nil, avoidIsStrict: Bool = false) {
            self.runID = runID; self.jobIndex = jobIndex; self.labels = labels; self.chainLength = chainLength
            self.exclusive = exclusive; self.machineClass = machineClass; self.avoidAgent = avoidAgent
            self.avoidIsStrict = avoidIsStrict
        }
    }

    /// An agent's capacity as seen by the scheduler.
    public struct Slot: Sendable, Equatable {
        public var agent: ConnectionID
        public var name: String
        public var labels: Set<String>
        public var free: Int
        /// Runs nothing now: may take an exclusive job.
        public var idle: Bool
        /// The agent's benchmark machine class.
        public var machineClass: String
        /// Held for a waiting exclusive job: only exclusive jobs may be placed here.
        public var reserved: Bool
        public init(agent: ConnectionID, name: String, labels: Set<String>, free: Int, idle: Bool = false,
                    machineClass: String = "", reserved: Bool = false) {
            self.agent = agent; self.name = name; self.labels = labels; self.free = free; self.idle = idle
            self.machineClass = machineClass; self.reserved = reserved
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
                    guard let slotIndex = bestSlot(for: candidate, in: slots) else { continue }
                    placements.append(Placement(candidate: candidate, agent: slots[slotIndex].agent))
                    slots[slotIndex].free = candidate.exclusive ? 0 : slots[slotIndex].free - 1
                    slots[slotIndex].idle = false
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

    /// The best slot for a candidate: its class and idleness rules first, then another agent
    /// than the one it avoids, then the most free slots (ties: name order).
    static func bestSlot(for candidate: Candidate, in slots: [Slot]) -> Int? {
        // Most jobs have no constraint but the reservations: the plain scan, with no allocation.
        guard candidate.exclusive || candidate.machineClass != nil || candidate.avoidAgent != nil else {
            return bestSlot(for: candidate.labels, in: slots) { !$0.reserved }
        }
        func allowed(_ slot: Slot) -> Bool {
            (!candidate.exclusive || slot.idle) && (candidate.machineClass.map { $0 == slot.machineClass } ?? true)
        }
        let other = bestSlot(for: candidate.labels, in: slots) { allowed($0) && $0.name != candidate.avoidAgent }
        return other ?? (candidate.avoidIsStrict ? nil : bestSlot(for: candidate.labels, in: slots, where: allowed))
    }

    static func bestSlot(for labels: Set<String>, in slots: [Slot], where accept: (Slot) -> Bool = { _ in true }) -> Int? {
        var best: Int?
        for (i, slot) in slots.enumerated() where slot.free > 0 && accept(slot) && labels.isSubset(of: slot.labels) {
            if let b = best {
                if slot.free > slots[b].free || (slot.free == slots[b].free && slot.name < slots[b].name) { best = i }
            } else {
                best = i
            }
        }
        return best
    }
}
