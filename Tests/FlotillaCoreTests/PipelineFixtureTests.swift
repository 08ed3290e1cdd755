import Testing
import FlotillaCore

/// Realistic workflows (Swift, Node, Python, Rust, Go, C, …) load and plan to the expected jobs.
@Suite("Pipeline fixtures")
struct PipelineFixtureTests {
    static let expectedIDs: [String: [String]] = [
        "c-library.yml": ["build-gcc-Debug", "build-gcc-Release", "build-clang-Debug", "build-clang-Release", "sanitize"],
        "cmake-cross.yml": ["cross-aarch64-linux-gnu-qemu-aarch64-O2", "cross-riscv64-linux-gnu-qemu-riscv64-O2"],
        "deploy-sites.yml": ["deploy-production-site-a", "deploy-staging-site-b"],
        "docs-site.yml": ["build"],
        "go-service.yml": ["build", "test-1.22", "test-1.23", "package"],
        "monorepo.yml": ["frontend", "backend", "image"],
        "node-app.yml": ["test-linux-18", "test-linux-20", "test-linux-22-true", "test-macos-20", "test-macos-22", "build"],
        "python-fromjson.yml": ["test-3.11", "test-3.12-true"],
        "python-lib.yml": ["tests-3.9", "tests-3.10", "tests-3.11", "tests-3.12", "typecheck"],
        "release.yml": ["build-linux-x64", "build-linux-arm64", "publish"],
        "rust-crate.yml": ["check", "test-stable-false", "test-beta-false", "test-nightly-true"],
        "rust-msrv.yml": ["msrv-1.70", "msrv-1.75", "msrv-stable"],
        "shell-tools.yml": ["lint", "test-bash-small", "test-bash-large-yes", "test-sh-small", "report"],
        "swift-package.yml": ["lint", "test-ubuntu-22.04-5.10", "test-ubuntu-22.04-6.0", "test-ubuntu-24.04-5.10", "test-ubuntu-24.04-6.0"],
    ]

    @Test func everyFixtureHasExpectations() {
        #expect(PipelineFixtures.names("good").count >= 12)
        #expect(Set(PipelineFixtures.names("good")) == Set(Self.expectedIDs.keys))
    }

    @Test(arguments: PipelineFixtureTests.expectedIDs.keys.sorted())
    func fixturePlans(_ name: String) throws {
        let pipeline = try PipelineLoader.load(path: PipelineFixtures.path("good", name))
        // node-app uses actions/setup-node, which can only be skipped.
        let plan = try Planner.plan(pipeline, options: PlanOptions(skipUses: name == "node-app.yml"))
        #expect(plan.jobs.map(\.id) == Self.expectedIDs[name])
        #expect(Set(plan.jobs.map(\.id)).count == plan.jobs.count)
        for job in plan.jobs {
            #expect(!job.runsOn.isEmpty)
            #expect(job.steps.allSatisfy { !$0.run.isEmpty })
        }
    }

    @Test func swiftPackageDetails() throws {
        let plan = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "swift-package.yml")))
        let test = try #require(plan.jobs.first { $0.id == "test-ubuntu-24.04-6.0" })
        #expect(test.displayName == "Test (ubuntu-24.04, 6.0)")
        #expect(test.runsOn == ["self-hosted", "ubuntu-24.04"])
        #expect(test.needs == ["lint"])
        #expect(test.timeoutMillis == 45 * 60_000)
        #expect(!test.failFast)
        // Workflow env overridden by job env, in workflow order, then job-only entries.
        #expect(test.env == [EnvPair(name: "SWIFT_DETERMINISTIC_HASHING", value: "1"), EnvPair(name: "LOG_LEVEL", value: "debug"),
                             EnvPair(name: "TOOLCHAIN", value: "swift-6.0")])
        // Checkout is dropped (built in); the other steps keep their order.
        #expect(test.steps.map(\.name) == ["Resolve", "Build (6.0)", "Test", "Upload failure logs", "Fail if tests failed"])
        #expect(test.steps[1].env == [EnvPair(name: "LOG_LEVEL", value: "trace")])
        #expect(test.steps[1].id == "build")
        #expect(test.steps[2].continueOnError)
        #expect(test.steps[3].condition == "steps.test.outcome == 'failure'")
        #expect(test.steps[3].run == "tar czf test-logs-ubuntu-24.04.tgz .build/debug/*.log")
        #expect(test.steps[4].condition == "steps.test.outcome == 'failure'")
        #expect(plan.warnings.contains { $0.contains("swift-package.yml:16:15: warning: step uses 'actions/checkout@v4'") })
        #expect(plan.warnings.contains { $0.contains(":2:1: warning: 'on' in the workflow is not used by Flotilla") })
    }

    @Test func cLibraryDefaults() throws {
        let plan = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "c-library.yml")))
        let build = try #require(plan.jobs.first)
        #expect(build.steps.map(\.shell) == ["sh", "sh", "sh"])
        #expect(build.steps.map(\.workingDirectory) == ["lib", "lib", "lib/tests"])
        #expect(build.steps[2].timeoutMillis == 20 * 60_000)
        #expect(build.env == [EnvPair(name: "CC", value: "gcc"), EnvPair(name: "CFLAGS", value: "-Wall -Werror")])
        let sanitize = try #require(plan.jobs.last)
        #expect(sanitize.steps.map(\.shell) == ["bash"])
    }

    @Test func runtimeExpressionsAreLeftForTheAgent() throws {
        let plan = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "monorepo.yml")),
                                    options: PlanOptions(github: ["sha": "abc123"]))
        let image = try #require(plan.jobs.last)
        #expect(image.env == [EnvPair(name: "REGISTRY", value: "registry.internal:5000"),
                              EnvPair(name: "TAG", value: "registry.internal:5000/app:abc123")])
        #expect(image.steps.map(\.condition) == ["", "success()", "always()"])
        #expect(image.steps[2].run == "echo \"smoke=${{ steps.smoke.outcome }}\"")
    }

    @Test func unknownGitHubMembersStayForTheAgent() throws {
        let plan = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "go-service.yml")))
        let package = try #require(plan.jobs.last)
        #expect(package.condition == "github.ref == 'refs/heads/main'")
        #expect(package.steps[0].run == "make package VERSION=${{ github.sha }}")
        #expect(package.steps[1].condition == "failure() && steps.pkg.outcome == 'failure'")
        #expect(package.needs == ["build", "test-1.22", "test-1.23"])
    }

    @Test func conditionsFoldMatrixValues() throws {
        let plan = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "python-fromjson.yml")))
        #expect(plan.jobs.map { $0.steps[1].condition } == ["null", "true"])
    }

    @Test func rustExperimentalContinuesOnError() throws {
        let plan = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "rust-crate.yml")))
        #expect(plan.jobs.map(\.continueOnError) == [false, false, false, true])
        #expect(plan.jobs.last?.steps.first?.name == "Install nightly")
        #expect(plan.jobs.last?.env == [EnvPair(name: "CARGO_TERM_COLOR", value: "always"), EnvPair(name: "RUSTFLAGS", value: "-D warnings")])
    }

    @Test func maxParallelAndFailFast() throws {
        let plan = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "rust-msrv.yml")))
        #expect(plan.jobs.allSatisfy { $0.maxParallel == 1 && !$0.failFast && $0.timeoutMillis == 30 * 60_000 })
        let python = try Planner.plan(try PipelineLoader.load(path: PipelineFixtures.path("good", "python-lib.yml")))
        #expect(python.jobs.first?.maxParallel == 2)
        #expect(python.jobs.first?.displayName == "tox (3.9)")
        #expect(python.jobs.last?.maxParallel == 0)
    }

    @Test func nodeSetupIsAnErrorUnlessSkipped() throws {
        let pipeline = try PipelineLoader.load(path: PipelineFixtures.path("good", "node-app.yml"))
        #expect(throws: PipelineLoadError.self) { try Planner.plan(pipeline) }
        do {
            _ = try Planner.plan(pipeline)
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                "\(PipelineFixtures.path("good", "node-app.yml")):24:15: error: step uses 'actions/setup-node@v4' cannot run on a Flotilla agent; replace it with a 'run:' step or plan with --skip-uses to drop it",
            ])
        }
        let plan = try Planner.plan(pipeline, options: PlanOptions(skipUses: true))
        #expect(plan.warnings.contains { $0.hasSuffix(":24:15: warning: step uses 'actions/setup-node@v4' cannot run on a Flotilla agent; skipped") })
        #expect(plan.jobs.first { $0.id == "test-linux-22-true" }?.steps.last?.condition == "true")
    }
}
