/// Splits a job's test list into shards balanced by recorded test durations.
///
/// Pure and deterministic: the same list, count and history give the same shards on every
/// machine, so a re-planned run (after a coordinator restart) puts each test where it was.
///
/// Rules:
/// - The list is deduplicated keeping the first occurrence; repeats are reported, never run
///   twice.
/// - A test's duration is `history[id]` (see `TimingHistory` for the keys); a test with none
///   is assumed to take the median of the listed tests that have one.
/// - With at least one recorded duration, tests go longest-first (ties: id order) into the
///   shard with the least predicted time (ties: fewer tests, then lower index) — LPT, whose
///   slowest shard is at most 4/3 of the best possible and in practice within a few percent.
/// - With no recorded duration at all (the first run), every test is assumed to take
///   `defaultTestSeconds` and tests are dealt round-robin in list order, which keeps tests the
///   runner lists together spread evenly.
/// - The shard count is the requested count clamped to the number of distinct tests: a shard
///   job with an empty test file would make many runners (`pytest`, `go test -run ''`) run
///   everything, breaking "every test runs exactly once". An empty list gives one shard with
///   no tests, so the job still runs and reports.
public enum ShardPlanner {
    /// Assumed duration of each test when no listed test has a recorded one; only the ratio
    /// between tests matters for balancing, so any positive constant gives equal counts.
    public static let defaultTestSeconds: Double = 1
    /// `count: auto` aims for shards of about this long: long enough that the per-shard
    /// overhead (workspace, checkout, build) stays a small fraction, short enough to use a fleet.
    public static let defaultTargetShardSeconds: Double = 120

    /// The deduplicated list with a predicted duration for every test.
    public struct Prediction: Sendable, Equatable {
        /// Distinct ids in list order (first occurrence).
        public var testIDs: [String]
        /// Predicted seconds per entry of `testIDs`.
        public var seconds: [Double]
        public var duplicates: [String]
        public var testsWithoutHistory: Int
        public var assumedSeconds: Double

        /// Sum of `seconds`.
        public var totalSeconds: Double { seconds.reduce(0, +) }
        /// Whether any listed test has a recorded duration.
        public var hasHistory: Bool { testsWithoutHistory < testIDs.count }
    }

    /// Deduplicates the list and predicts each test's duration.
    public static func predict(testIDs: [String], history: [String: Double]) -> Prediction {
        var seen: Set<String> = []
        var reported: Set<String> = []
        var unique: [String] = []
        var duplicates: [String] = []
        for id in testIDs {
            if seen.insert(id).inserted { unique.append(id) } else if reported.insert(id).inserted { duplicates.append(id) }
        }
        let recorded = unique.map { id -> Double? in
            guard let s = history[id], s.isFinite, s >= 0 else { return nil }
            return s
        }
        let known = recorded.compactMap { $0 }
        let assumed = known.isEmpty ? defaultTestSeconds : median(known)
        return Prediction(testIDs: unique, seconds: recorded.map { $0 ?? assumed }, duplicates: duplicates,
                          testsWithoutHistory: unique.count - known.count, assumedSeconds: assumed)
    }

    /// Splits `testIDs` into at most `count` shards.
    ///
    /// - Parameters:
    ///   - testIDs: the discovered list, in the runner's order; may contain repeats.
    ///   - count: the requested number of shards.
    ///   - history: recorded seconds keyed by test id (`TimingHistory.match`).
    /// - Precondition: `count` is in `1...ShardSpec.maxCount`.
    public static func plan(testIDs: [String], count: Int, history: [String: Double]) -> ShardPlan {
        plan(predict(testIDs: testIDs, history: history), count: count)
    }

    /// Splits a predicted list into at most `count` shards (see the type's rules).
    public static func plan(_ prediction: Prediction, count: Int) -> ShardPlan {
        precondition((1...ShardSpec.maxCount).contains(count), "shard count \(count) outside 1...\(ShardSpec.maxCount)")
        let ids = prediction.testIDs
        let n = max(1, min(count, ids.count))
        var members = [[Int]](repeating: [], count: n)
        var loads = [Double](repeating: 0, count: n)
        let method: ShardPlan.Method = prediction.hasHistory ? .longestFirst : .roundRobin
        switch method {
        case .roundRobin:
            for i in ids.indices {
                members[i % n].append(i)
                loads[i % n] += prediction.seconds[i]
            }
        case .longestFirst:
            let order = ids.indices.sorted {
                let (a, b) = (prediction.seconds[$0], prediction.seconds[$1])
                return a != b ? a > b : ids[$0] < ids[$1]
            }
            var bins = LoadHeap(count: n)
            for i in order {
                let bin = bins.lightest
                members[bin].append(i)
                loads[bin] += prediction.seconds[i]
                bins.addToLightest(prediction.seconds[i])
            }
        }
        let shards = (0..<n).map { s in
            // List order inside a shard: runners are happiest with the order they printed.
            Shard(index: s, testIDs: members[s].sorted().map { ids[$0] }, predictedSeconds: loads[s])
        }
        return ShardPlan(shards: shards, duplicates: prediction.duplicates,
                         testsWithoutHistory: prediction.testsWithoutHistory,
                         assumedSeconds: prediction.assumedSeconds, method: method)
    }

    /// Plans with a `shard.count` as written: `.fixed(n)` or `.auto` (see `autoCount`).
    public static func plan(testIDs: [String], count: ShardSpec.Count, freeMatchingSlots: Int,
                            history: [String: Double],
                            targetShardSeconds: Double = defaultTargetShardSeconds) -> ShardPlan {
        let prediction = predict(testIDs: testIDs, history: history)
        switch count {
        case .fixed(let n):
            return plan(prediction, count: n)
        case .auto:
            return plan(prediction, count: autoCount(predictedTotalSeconds: prediction.totalSeconds,
                                                     freeMatchingSlots: freeMatchingSlots,
                                                     targetShardSeconds: targetShardSeconds))
        }
    }

    /// The shard count for `count: auto`.
    ///
    /// `N = min(ShardSpec.maxCount, max(1, freeMatchingSlots), max(1, ⌈total / target⌉))`:
    /// enough shards that each takes about `target` seconds, but no more than can start now on
    /// agents carrying the job's labels (more would only queue behind each other and pay the
    /// per-shard overhead again). With no free matching slot the answer is 1: the job waits
    /// for capacity like any other. A non-finite total counts as "as many as possible".
    ///
    /// - Precondition: `targetShardSeconds > 0`.
    public static func autoCount(predictedTotalSeconds: Double, freeMatchingSlots: Int,
                                 targetShardSeconds: Double = defaultTargetShardSeconds) -> Int {
        precondition(targetShardSeconds > 0, "targetShardSeconds must be positive")
        let capacity = min(ShardSpec.maxCount, max(1, freeMatchingSlots))
        let wanted = predictedTotalSeconds / targetShardSeconds
        guard wanted.isFinite else { return predictedTotalSeconds.isNaN ? 1 : capacity }
        let byDuration = wanted >= Double(ShardSpec.maxCount) ? ShardSpec.maxCount : max(1, Int(wanted.rounded(.up)))
        return min(capacity, byDuration)
    }

    /// The test ids a `list:` command printed: one per line (LF, CRLF or CR), surrounding
    /// whitespace trimmed, blank lines dropped. Repeats are kept for `plan` to report.
    public static func testIDs(fromListOutput output: String) -> [String] {
        output.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { String($0).trimmingWhitespace }
            .filter { !$0.isEmpty }
    }

    /// The median (mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of nothing")
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// A binary min-heap of shard bins ordered by (load, tests, index), so LPT picks the lightest
/// bin in O(log n) per test and an empty bin always wins over one with tests (even when every
/// duration is zero).
private struct LoadHeap {
    private var heap: [(load: Double, tests: Int, index: Int)]

    init(count: Int) { heap = (0..<count).map { (0, 0, $0) } }

    var lightest: Int { heap[0].index }

    /// Adds a test of `seconds` to the lightest bin and restores the order.
    mutating func addToLightest(_ seconds: Double) {
        heap[0].load += seconds
        heap[0].tests += 1
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, Self.less(heap[l], heap[m]) { m = l }
            if r < heap.count, Self.less(heap[r], heap[m]) { m = r }
            guard m != i else { return }
            heap.swapAt(i, m)
            i = m
        }
    }

    private static func less(_ a: (load: Double, tests: Int, index: Int), _ b: (load: Double, tests: Int, index: Int)) -> Bool {
        (a.load, a.tests, a.index) < (b.load, b.tests, b.index)
    }
}
