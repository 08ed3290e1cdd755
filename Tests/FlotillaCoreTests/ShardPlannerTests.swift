import Foundation
import Testing
import FlotillaCore
import TestSupport

/// `ShardPlanner`: every test runs exactly once, for any list, count and history.
@Suite("Shard planner")
struct ShardPlannerTests {
    // MARK: Properties over random inputs

    /// A random test list (with repeats), count and history from one seed.
    struct Case: CustomStringConvertible {
        var seed: UInt64
        var ids: [String]
        var count: Int
        var history: [String: Double]
        var description: String { "seed \(seed): \(ids.count) ids, count \(count), \(history.count) history entries" }

        init(seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            self.seed = seed
            let length = Int(rng.next() % 4 == 0 ? rng.next() % 4 : rng.next() % 90)   // often 0...3 tests
            let pool = 1 + Int(rng.next() % UInt64(max(1, length)))                    // small pools repeat ids
            ids = (0..<length).map { _ in "Suite\(rng.next() % 3)/test\(rng.next() % UInt64(pool))" }
            switch rng.next() % 5 {
            case 0: count = 1
            case 1: count = length + 1 + Int(rng.next() % 10)                          // more shards than tests
            case 2: count = ShardSpec.maxCount
            default: count = 1 + Int(rng.next() % 12)
            }
            count = min(count, ShardSpec.maxCount)
            history = [:]
            let coverage = [0.0, 0.0, 0.3, 0.9, 1.0][Int(rng.next() % 5)]               // first run, partial, full
            for id in Set(ids).sorted() where Double(rng.next() % 1000) / 1000 < coverage {
                // Zero durations, ties and a wide spread, all of which must still cover every test once.
                let kind = rng.next() % 4
                history[id] = kind == 0 ? 0 : kind == 1 ? 2.5 : Double(rng.next() % 100_000) / 100
            }
            if rng.next() % 4 == 0 { history["not-listed-\(seed)"] = 999 }               // stale entries are harmless
        }
    }

    static func dedupe(_ ids: [String]) -> [String] {
        var seen: Set<String> = []
        return ids.filter { seen.insert($0).inserted }
    }

    @Test(arguments: 0..<400)
    func everyTestRunsExactlyOnce(seed: Int) {
        let c = Case(seed: UInt64(seed))
        let plan = ShardPlanner.plan(testIDs: c.ids, count: c.count, history: c.history)
        let unique = Self.dedupe(c.ids)
        let union = plan.shards.flatMap(\.testIDs)
        #expect(union.count == unique.count, "\(c)")
        #expect(Set(union) == Set(unique), "\(c)")
        #expect(union.count == Set(union).count, "a test is in two shards: \(c)")
        // Repeats are reported, each once.
        let repeated = Set(c.ids.filter { id in c.ids.filter { $0 == id }.count > 1 })
        #expect(Set(plan.duplicates) == repeated && plan.duplicates.count == repeated.count, "\(c)")
        // Exactly min(count, distinct tests) shards, at least one, none empty unless nothing was listed.
        #expect(plan.shards.count == max(1, min(c.count, unique.count)), "\(c)")
        #expect(plan.shards.map(\.index) == Array(0..<plan.shards.count), "\(c)")
        if !unique.isEmpty { #expect(plan.shards.allSatisfy { !$0.testIDs.isEmpty }, "empty shard: \(c)") }
        // Inside a shard, tests keep the order they were listed in.
        let position = Dictionary(unique.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for shard in plan.shards {
            let positions = shard.testIDs.map { position[$0]! }
            #expect(positions == positions.sorted(), "\(c)")
        }
    }

    @Test(arguments: 0..<400)
    func predictionsAndBalanceHold(seed: Int) {
        let c = Case(seed: UInt64(seed))
        let plan = ShardPlanner.plan(testIDs: c.ids, count: c.count, history: c.history)
        let prediction = ShardPlanner.predict(testIDs: c.ids, history: c.history)
        let predicted = Dictionary(uniqueKeysWithValues: zip(prediction.testIDs, prediction.seconds))
        for shard in plan.shards {
            let sum = shard.testIDs.reduce(0) { $0 + predicted[$1]! }
            #expect(abs(shard.predictedSeconds - sum) <= 1e-9 * max(1, sum), "\(c)")
        }
        // Deterministic: the same input plans the same way.
        #expect(ShardPlanner.plan(testIDs: c.ids, count: c.count, history: c.history) == plan)
        switch plan.method {
        case .roundRobin:
            #expect(prediction.testsWithoutHistory == prediction.testIDs.count, "\(c)")
            let sizes = plan.shards.map(\.testIDs.count)
            #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "\(c)")
        case .longestFirst:
            // List scheduling never exceeds the mean load plus the longest test.
            let total = prediction.totalSeconds
            let longest = prediction.seconds.max() ?? 0
            #expect(plan.predictedMakespan <= total / Double(plan.shards.count) + longest + 1e-9, "\(c)")
        }
    }

    // MARK: Acceptance: 120 skewed tests in 6 shards

    /// Durations from a heavy-tailed distribution, so a few tests dominate.
    static func skewedDurations(seed: UInt64, count: Int, pareto: Bool) -> [Double] {
        var rng = SplitMix64(seed: seed)
        func uniform() -> Double { (Double(rng.next() >> 11) + 0.5) / Double(1 << 53) }
        return (0..<count).map { _ in
            if pareto { return 0.5 / pow(uniform(), 1 / 1.3) }               // Pareto, x_m 0.5 s, α 1.3
            let normal = sqrt(-2 * log(uniform())) * cos(2 * .pi * uniform())
            return exp(1.0 + 1.4 * normal)                                     // lognormal, median e ≈ 2.7 s
        }
    }

    @Test(arguments: 0..<40)
    func skewedSuiteBalancesWithinTenPercent(seed: Int) {
        let durations = Self.skewedDurations(seed: UInt64(seed), count: 120, pareto: seed % 2 == 0)
        // Runner-style ids; the recorded JUnit cases carry class and name separately.
        let ids = (0..<120).map { "Module\($0 % 7).Case\($0)/test_\($0)" }
        let cases = (0..<120).map { TestCaseTiming(classname: "Module\($0 % 7).Case\($0)", name: "test_\($0)", seconds: durations[$0]) }
        let history = TimingHistory.match(cases)

        // First run: no history, so balanced by count; every test still runs once.
        let first = ShardPlanner.plan(testIDs: ids, count: 6, history: [:])
        #expect(first.method == .roundRobin)
        #expect(first.shards.map(\.testIDs.count) == [20, 20, 20, 20, 20, 20])
        #expect(Set(first.shards.flatMap(\.testIDs)) == Set(ids))

        // After a run: balanced by the recorded durations.
        let plan = ShardPlanner.plan(testIDs: ids, count: 6, history: history)
        #expect(plan.method == .longestFirst && plan.testsWithoutHistory == 0)
        #expect(plan.shards.flatMap(\.testIDs).sorted() == ids.sorted())
        let actual = plan.shards.map { shard in shard.testIDs.reduce(0) { $0 + durations[ids.firstIndex(of: $1)!] } }
        let total = durations.reduce(0, +)
        let bound = 1.10 * max(total / 6, durations.max()!) + 1
        #expect(actual.max()! <= bound, "seed \(seed): slowest shard \(actual.max()!) s, bound \(bound) s, shards \(actual)")
    }

    // MARK: Examples

    @Test func unknownTestsGetTheMedianOfKnownOnes() {
        let odd = ShardPlanner.predict(testIDs: ["a", "b", "c", "d"], history: ["a": 1, "b": 9, "c": 5])
        #expect(odd.seconds == [1, 9, 5, 5] && odd.assumedSeconds == 5 && odd.testsWithoutHistory == 1)
        let even = ShardPlanner.predict(testIDs: ["a", "b", "x", "y"], history: ["a": 2, "b": 4, "zzz": 100])
        #expect(even.seconds == [2, 4, 3, 3] && even.assumedSeconds == 3)
        // Unusable recorded values count as unknown.
        let bad = ShardPlanner.predict(testIDs: ["a", "b", "c"], history: ["a": -1, "b": .nan, "c": 7])
        #expect(bad.seconds == [7, 7, 7] && bad.testsWithoutHistory == 2)
        let none = ShardPlanner.predict(testIDs: ["a", "b"], history: ["stale": 3])
        #expect(none.seconds == [1, 1] && none.assumedSeconds == ShardPlanner.defaultTestSeconds && !none.hasHistory)
    }

    @Test func longestFirstIntoTheLightestShard() {
        let history: [String: Double] = ["a": 10, "b": 7, "c": 6, "d": 5, "e": 4, "f": 2]
        let plan = ShardPlanner.plan(testIDs: ["f", "e", "d", "c", "b", "a"], count: 2, history: history)
        // a→0 (10), b→1 (7), c→1 (13), d→0 (15), e→1 (17), f→0 (17).
        #expect(plan.shards == [Shard(index: 0, testIDs: ["f", "d", "a"], predictedSeconds: 17),
                                Shard(index: 1, testIDs: ["e", "c", "b"], predictedSeconds: 17)])
        // Equal durations tie on id, then on the lower shard index.
        let ties = ShardPlanner.plan(testIDs: ["b", "a", "c"], count: 2, history: ["a": 1, "b": 1, "c": 1])
        #expect(ties.shards.map(\.testIDs) == [["a", "c"], ["b"]])
    }

    @Test func zeroDurationsStillFillEveryShard() {
        let ids = (0..<9).map { "t\($0)" }
        let plan = ShardPlanner.plan(testIDs: ids, count: 3, history: Dictionary(uniqueKeysWithValues: ids.map { ($0, 0.0) }))
        #expect(plan.method == .longestFirst)
        #expect(plan.shards.map(\.testIDs.count) == [3, 3, 3])
    }

    @Test func firstRunDealsRoundRobinInListOrder() {
        let plan = ShardPlanner.plan(testIDs: ["z", "y", "x", "w", "v"], count: 2, history: [:])
        #expect(plan.method == .roundRobin)
        #expect(plan.shards == [Shard(index: 0, testIDs: ["z", "x", "v"], predictedSeconds: 3),
                                Shard(index: 1, testIDs: ["y", "w"], predictedSeconds: 2)])
    }

    @Test func emptyListAndTooManyShards() {
        let empty = ShardPlanner.plan(testIDs: [], count: 4, history: [:])
        #expect(empty.shards == [Shard(index: 0, testIDs: [], predictedSeconds: 0)])
        let few = ShardPlanner.plan(testIDs: ["a", "b", "a"], count: 8, history: [:])
        #expect(few.shards.map(\.testIDs) == [["a"], ["b"]] && few.duplicates == ["a"])
    }

    @Test func autoCountFollowsCapacityAndPredictedTotal() {
        // ⌈1000 / 120⌉ = 9 wanted, 4 free.
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: 1000, freeMatchingSlots: 4) == 4)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: 1000, freeMatchingSlots: 40) == 9)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: 100, freeMatchingSlots: 10) == 1)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: 600, freeMatchingSlots: 10, targetShardSeconds: 60) == 10)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: 0, freeMatchingSlots: 10) == 1)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: 5000, freeMatchingSlots: 0) == 1)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: 1e12, freeMatchingSlots: 10_000) == 256)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: .infinity, freeMatchingSlots: 7) == 7)
        #expect(ShardPlanner.autoCount(predictedTotalSeconds: .nan, freeMatchingSlots: 7) == 1)
        // `.auto` through the planner: 30 tests of 20 s with 8 free slots → ⌈600/120⌉ = 5 shards.
        let ids = (0..<30).map { "t\($0)" }
        let history = Dictionary(uniqueKeysWithValues: ids.map { ($0, 20.0) })
        let plan = ShardPlanner.plan(testIDs: ids, count: .auto, freeMatchingSlots: 8, history: history)
        #expect(plan.shards.count == 5 && plan.shards.allSatisfy { $0.predictedSeconds == 120 })
        #expect(ShardPlanner.plan(testIDs: ids, count: .fixed(3), freeMatchingSlots: 8, history: history).shards.count == 3)
    }

    @Test func listOutputIsOneIDPerLine() {
        let output = "Suite/testA\r\n  Suite/testB  \n\n\tSuite/test C\rSuite/testA\n"
        #expect(ShardPlanner.testIDs(fromListOutput: output) == ["Suite/testA", "Suite/testB", "Suite/test C", "Suite/testA"])
        #expect(ShardPlanner.testIDs(fromListOutput: "\n \n").isEmpty)
    }
}
