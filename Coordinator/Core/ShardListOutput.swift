import FlotillaCore
import WireProtocol

/// What a discovery job's list command printed on standard output so far, for one attempt.
///
/// Bounded by `ShardDiscovery.maxListOutputBytes`: past it the bytes are dropped and
/// `overflowed` is set, and the sharded job fails instead of being split on a partial list.
public struct ShardListOutput: Sendable, Equatable {
    /// The attempt the bytes came from; a retried discovery starts over.
    public var attempt: UInt32
    public private(set) var bytes: [UInt8] = []
    public private(set) var overflowed = false

    public init(attempt: UInt32) { self.attempt = attempt }

    /// Adds a chunk of standard output, or marks the output overflowed when it would pass the bound.
    public mutating func append(_ data: [UInt8]) {
        guard !overflowed else { return }
        guard bytes.count + data.count <= ShardDiscovery.maxListOutputBytes else {
            overflowed = true
            bytes = []
            return
        }
        bytes += data
    }
}

extension RunRecord {
    /// Records the run's discovery jobs and holds a run with `files:` shards back until its
    /// source files are listed (`CoordinatorCore.sourceFilesListed`).
    mutating func prepareShards(discoveries: [String: String]) {
        shardDiscoveries = discoveries
        awaitingSourceFiles = jobs.contains { job in
            if case .files? = job.planned.shard?.source { return true }
            return false
        }
        if awaitingSourceFiles && phase == .active { phase = .waitingForBundle }
    }
}
