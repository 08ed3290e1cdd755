import Foundation
import Testing
import TestSupport
@testable import FlotillaCore

@Suite("Shard sources: bundle file lists and discovery jobs")
struct ShardSourceTests {
    typealias Entry = BundleFixtures.Entry

    @Test func bundleFileListMatchesWhatThePreviewListsForTheDirectory() throws {
        let source = BundleFixtures.Directory()
        source.write("tests/test_b.py", "b")
        source.write("tests/test_a.py", "a")
        source.write("tests/unit/test_c.py", "c", executable: true)
        source.write("README.md", "# x")
        source.makeDirectory("empty")
        source.symlink("tests/link.py", to: "test_a.py")
        let work = BundleFixtures.Directory()
        _ = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: work.path + "/b")

        let paths = try SourceBundleIndex.filePaths(bundlePath: work.path + "/b")
        #expect(paths == ["README.md", "tests/link.py", "tests/test_a.py", "tests/test_b.py", "tests/unit/test_c.py"])
        #expect(paths == (try ShardPreview.sourceFiles(directory: source.path)))
        #expect(try ShardGlob("tests/**/test_*.py").expand(paths) == ["tests/test_a.py", "tests/test_b.py", "tests/unit/test_c.py"])
    }

    @Test func badBundlesAreRefusedWithTheEntryAndOffset() throws {
        let work = BundleFixtures.Directory()
        func paths(_ bytes: [UInt8]) -> Result<[String], BundleError> {
            BundleFixtures.writeBytes(bytes, to: work.path + "/b")
            return Result { () throws(BundleError) in try SourceBundleIndex.filePaths(bundlePath: work.path + "/b") }
        }
        let good = BundleFixtures.craft([Entry(.file, "a", "xyz"), Entry(.directory, "d"), Entry(.symlink, "l", "a")])
        #expect(try paths(good).get() == ["a", "l"])
        guard case .failure(.truncated(_, let at, _)) = paths(Array(good.dropLast(20))) else {
            Issue.record("a cut bundle is truncated"); return
        }
        #expect(at.index == 2)
        guard case .failure(.unsafeEntry(_, let entry, let reason)) = paths(BundleFixtures.craft([Entry(.file, "../x", "")])) else {
            Issue.record("an escaping path is refused"); return
        }
        #expect(entry.path == "../x" && reason == "'..' path component")
        guard case .failure(.malformed(_, _, let order)) = paths(BundleFixtures.craft([Entry(.file, "b"), Entry(.file, "a")])) else {
            Issue.record("entries out of order are refused"); return
        }
        #expect(order.contains("strictly increasing"))
        guard case .failure(.notABundle) = paths(Array("not a bundle".utf8)) else { Issue.record("no magic"); return }
    }

    @Test func discoveryJobsPrecedeListShardedJobsWhichNeedThem() {
        var unit = PlannedJob(id: "unit-linux", jobKey: "unit", displayName: "unit (linux)",
                              matrix: [MatrixEntry(axis: "os", value: "linux")], runsOn: ["linux"], needs: ["build"],
                              env: [EnvPair(name: "A", value: "1")], timeoutMillis: 60_000, continueOnError: true,
                              condition: "always()", matrixGroup: "unit", maxParallel: 2,
                              steps: [PlannedStep(name: "test", run: "pytest")], artifacts: [])
        unit.shard = ShardSpec(count: .fixed(3), source: .list(command: "pytest --collect-only -q"))
        var files = PlannedJob(id: "lint", jobKey: "lint", displayName: "lint", runsOn: ["linux"], steps: [])
        files.shard = ShardSpec(count: .auto, source: .files(glob: "*.py"))
        let clash = PlannedJob(id: "unit-linux-discover", jobKey: "x", displayName: "x", runsOn: [], steps: [])
        let build = PlannedJob(id: "build", jobKey: "build", displayName: "build", runsOn: ["linux"], steps: [])

        let (plan, discoveries) = ShardDiscovery.addingDiscoveryJobs(to: Plan(jobs: [build, unit, files, clash]))
        #expect(plan.jobs.map(\.id) == ["build", "unit-linux-discover-2", "unit-linux", "lint", "unit-linux-discover"])
        #expect(discoveries == ["unit-linux-discover-2": "unit-linux"])
        let discovery = plan.jobs[1]
        #expect(discovery.displayName == "unit (linux) (discover)")
        #expect(discovery.steps == [PlannedStep(name: "discover tests", run: "pytest --collect-only -q")])
        #expect(discovery.needs == ["build"] && discovery.env == unit.env && discovery.runsOn == ["linux"])
        #expect(discovery.condition == "always()" && discovery.continueOnError && discovery.timeoutMillis == 60_000)
        #expect(discovery.matrixGroup.isEmpty && discovery.shard == nil && discovery.matrix == unit.matrix)
        #expect(plan.jobs[2].needs == ["build", "unit-linux-discover-2"] && plan.jobs[2].shard == unit.shard)
        // Without list shards the plan is returned as it was.
        #expect(ShardDiscovery.addingDiscoveryJobs(to: Plan(jobs: [build, files])).plan == Plan(jobs: [build, files]))
    }
}
