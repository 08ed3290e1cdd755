/// One `<testcase>` of a JUnit report: what shard balancing learns from earlier runs.
public struct TestCaseTiming: Sendable, Equatable {
    /// The `classname` attribute; empty when the report has none.
    public var classname: String
    /// The `name` attribute.
    public var name: String
    /// The `file` attribute (pytest, Jest, Swift Testing write it); empty when absent.
    public var file: String
    /// The `time` attribute in seconds.
    public var seconds: Double

    public init(classname: String, name: String, file: String = "", seconds: Double) {
        self.classname = classname; self.name = name; self.file = file; self.seconds = seconds
    }
}

/// Turns recorded JUnit test cases into the duration map `ShardPlanner` reads.
///
/// A listed test id matches a test case when it equals the case's `name`, `classname.name` or
/// `classname/name` (the forms runners print: `pytest` node ids, XCTest `Class/test`, JUnit
/// `pkg.Class.test`), or — for `files:` shards, where ids are paths — its `file`. The map is
/// keyed all these ways so that matching is one lookup per id.
public enum TimingHistory {
    /// The keys a test case answers to, qualified forms first.
    public static func keys(classname: String, name: String) -> [String] {
        classname.isEmpty ? [name] : ["\(classname).\(name)", "\(classname)/\(name)", name]
    }

    /// The duration map of one earlier run.
    public static func match(_ cases: [TestCaseTiming]) -> [String: Double] {
        match(runs: [cases])
    }

    /// The duration map of several earlier runs of the same job.
    ///
    /// Rules, each for a reason:
    /// - within one run, everything a key selects is summed: an id that names a test case
    ///   selects every case it names (a bare `name` shared by two classes, a parameterised test
    ///   reported once per argument, every case of a file), and the shard runs them all;
    /// - across runs, a key's per-run totals are averaged over the runs that have it, so one
    ///   slow run does not dominate and a test missing from a run does not count as zero;
    /// - a qualified key (`classname.name`, `classname/name`) beats a bare `name` or `file`
    ///   key that happens to spell the same, since it names exactly one test;
    /// - negative, NaN and infinite times are ignored (a malformed report is not a duration).
    ///
    /// - Parameter runs: test cases per run, in any order.
    /// - Returns: seconds keyed by `name`, `classname.name`, `classname/name` and `file`.
    public static func match(runs: [[TestCaseTiming]]) -> [String: Double] {
        var qualified: [String: (sum: Double, runs: Int)] = [:]
        var loose: [String: (sum: Double, runs: Int)] = [:]
        for run in runs {
            var runQualified: [String: Double] = [:]
            var runLoose: [String: Double] = [:]
            for testCase in run where testCase.seconds.isFinite && testCase.seconds >= 0 {
                if testCase.classname.isEmpty {
                    runLoose[testCase.name, default: 0] += testCase.seconds
                } else {
                    runQualified["\(testCase.classname).\(testCase.name)", default: 0] += testCase.seconds
                    runQualified["\(testCase.classname)/\(testCase.name)", default: 0] += testCase.seconds
                    runLoose[testCase.name, default: 0] += testCase.seconds
                }
                if !testCase.file.isEmpty { runLoose[testCase.file, default: 0] += testCase.seconds }
            }
            // `a.b` + `c` and `a` + `b.c` spell the same qualified key: summed, as above.
            for (key, seconds) in runQualified { qualified[key, default: (0, 0)].sum += seconds; qualified[key]!.runs += 1 }
            for (key, seconds) in runLoose { loose[key, default: (0, 0)].sum += seconds; loose[key]!.runs += 1 }
        }
        var result: [String: Double] = [:]
        for (key, total) in loose { result[key] = total.sum / Double(total.runs) }
        for (key, total) in qualified { result[key] = total.sum / Double(total.runs) }
        return result
    }
}
