import Testing
import FlotillaCore

/// `TimingHistory`: recorded JUnit cases become durations a listed id can find.
@Suite("Shard timing history")
struct ShardTimingHistoryTests {
    @Test func aListedIDMatchesNameClassnameDotNameOrSlashName() {
        let history = TimingHistory.match([TestCaseTiming(classname: "pkg.FooTests", name: "testBar", seconds: 4)])
        #expect(history == ["pkg.FooTests.testBar": 4, "pkg.FooTests/testBar": 4, "testBar": 4])
        let ids = ["pkg.FooTests.testBar", "pkg.FooTests/testBar", "testBar", "FooTests.testBar"]
        let prediction = ShardPlanner.predict(testIDs: ids, history: history)
        // The last id matches no form; it gets the median of the other three.
        #expect(prediction.seconds == [4, 4, 4, 4] && prediction.testsWithoutHistory == 1)
        #expect(TimingHistory.keys(classname: "C", name: "n") == ["C.n", "C/n", "n"])
        #expect(TimingHistory.keys(classname: "", name: "n") == ["n"])
    }

    @Test func bareNamesSumAcrossClassesAndQualifiedNamesWin() {
        let history = TimingHistory.match([
            TestCaseTiming(classname: "A", name: "test", seconds: 1),
            TestCaseTiming(classname: "B", name: "test", seconds: 2),
            // A case without a class whose name spells a qualified key of another case.
            TestCaseTiming(classname: "", name: "A.test", seconds: 50),
        ])
        #expect(history["test"] == 3)       // `-k test` runs both
        #expect(history["A.test"] == 1)     // the qualified key names exactly one case
        #expect(history["B/test"] == 2)
    }

    @Test func runsAreAveragedAndRepeatsWithinARunSummed() {
        let history = TimingHistory.match(runs: [
            [TestCaseTiming(classname: "S", name: "p", seconds: 1), TestCaseTiming(classname: "S", name: "p", seconds: 2)],
            [TestCaseTiming(classname: "S", name: "p", seconds: 5), TestCaseTiming(classname: "S", name: "q", seconds: 8)],
            [TestCaseTiming(classname: "S", name: "p", seconds: -1), TestCaseTiming(classname: "S", name: "p", seconds: .nan)],
        ])
        // p: run 1 sums to 3, run 2 has 5, run 3 only unusable values → mean of 3 and 5.
        #expect(history["S.p"] == 4 && history["S/p"] == 4 && history["p"] == 4)
        // q appears in one run only: a missing run is not a zero.
        #expect(history["S.q"] == 8)
    }

    @Test func fileKeysServeFileShards() {
        let history = TimingHistory.match([
            TestCaseTiming(classname: "tests.test_a", name: "t1", file: "tests/test_a.py", seconds: 2),
            TestCaseTiming(classname: "tests.test_a", name: "t2", file: "tests/test_a.py", seconds: 3),
            TestCaseTiming(classname: "tests.test_b", name: "t1", file: "tests/test_b.py", seconds: 1),
        ])
        #expect(history["tests/test_a.py"] == 5 && history["tests/test_b.py"] == 1)
        let plan = ShardPlanner.plan(testIDs: ["tests/test_a.py", "tests/test_b.py", "tests/test_c.py"], count: 2, history: history)
        #expect(plan.shards.map(\.testIDs) == [["tests/test_a.py"], ["tests/test_b.py", "tests/test_c.py"]])
        #expect(plan.assumedSeconds == 3)
    }
}
