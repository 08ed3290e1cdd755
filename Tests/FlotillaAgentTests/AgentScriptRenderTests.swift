import Testing
import FlotillaNet
import WireProtocol
@testable import FlotillaAgent

@Suite("Agent run-text expressions")
struct AgentScriptRenderTests {
    private let agent = AgentConfiguration(
        coordinator: HostPort(host: "127.0.0.1", port: 1), pkiDirectory: "/nonexistent", name: "build-07",
        labels: ["linux"], capacity: 1, workDirectory: "/nonexistent",
        fingerprint: MachineFingerprint(os: "linux", arch: "x86_64", cpuModel: "cpu", cores: 2, memoryBytes: 1, kernel: "6"))

    private func render(_ script: String, steps: [String: ExecutionOutcome] = [:], failed: Bool = false) throws -> String {
        try AgentRuntime.renderScript(script, StepConditionState(jobFailed: failed, cancelled: false, stepOutcomes: steps),
                                      agent: agent)
    }

    @Test func stepOutcomesRunnerAndJobStatusAreSubstituted() throws {
        let text = try render("echo ${{ steps.build.outcome }} ${{ runner.name }} ${{ runner.os }}/${{ runner.arch }} ${{ job.status }}",
                              steps: ["build": .failure], failed: true)
        #expect(text == "echo failure build-07 Linux/X64 failure")
    }

    @Test func textWithoutExpressionsIsUnchanged() throws {
        let script = "echo '$HOME' && make test"
        #expect(try render(script) == script)
    }

    @Test func unknownStepReadsAsEmpty() throws {
        #expect(try render("echo [${{ steps.nope.outcome }}]") == "echo []")
    }

    @Test func aBrokenExpressionIsAnError() {
        #expect(throws: ScriptRenderError.self) { try render("echo ${{ steps.a.outcome == }}") }
    }
}
