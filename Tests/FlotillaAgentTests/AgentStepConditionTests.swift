import Testing
import WireProtocol
@testable import FlotillaAgent

@Suite("Agent step conditions")
struct AgentStepConditionTests {
    private func runs(_ condition: String, failed: Bool = false, cancelled: Bool = false,
                      steps: [String: ExecutionOutcome] = [:]) -> Bool {
        AgentRuntime.evaluateStepCondition(condition, StepConditionState(jobFailed: failed, cancelled: cancelled, stepOutcomes: steps))
    }

    @Test func stepOutcomeAfterAContinueOnErrorFailure() {
        // continue-on-error keeps the job green (jobFailed false) but the step's outcome is failure.
        let steps: [String: ExecutionOutcome] = ["flaky": .failure, "build": .success]
        #expect(runs("steps.flaky.outcome == 'failure'", steps: steps))
        #expect(!runs("steps.flaky.outcome == 'success'", steps: steps))
        #expect(runs("steps.build.outcome == 'success'", steps: steps))
        #expect(runs("${{ steps.flaky.outcome == 'failure' }}", steps: steps))
        #expect(runs("success() && steps.flaky.outcome != 'success'", steps: steps))
    }

    @Test func stepOutcomeWords() {
        #expect(runs("steps.t.outcome == 'failure'", steps: ["t": .timedOut]))
        #expect(runs("steps.s.outcome == 'skipped'", steps: ["s": .skipped]))
        #expect(runs("steps.c.outcome == 'cancelled'", steps: ["c": .cancelled]))
        #expect(!runs("steps.missing.outcome == 'failure'", steps: ["t": .failure]))
    }

    @Test func stepExpressionAfterAJobFailureIsGuardedBySuccess() {
        // Without a status function the expression gets an implicit success(): a failed job skips it.
        #expect(!runs("steps.flaky.outcome == 'failure'", failed: true, steps: ["flaky": .failure]))
        #expect(runs("failure() && steps.flaky.outcome == 'failure'", failed: true, steps: ["flaky": .failure]))
    }

    @Test func alwaysRunsInEveryState() {
        #expect(runs("always()"))
        #expect(runs("always()", failed: true))
        #expect(runs("always()", cancelled: true))
        #expect(runs("${{ always() }}", failed: true, cancelled: true))
    }

    @Test func failureRunsOnlyAfterAFailure() {
        #expect(runs("failure()", failed: true))
        #expect(!runs("failure()"))
        #expect(!runs("failure()", cancelled: true))
    }

    @Test func defaultAndSuccessStopAfterAFailure() {
        #expect(runs(""))
        #expect(runs("success()"))
        #expect(!runs("", failed: true))
        #expect(!runs("success()", failed: true))
        #expect(!runs("", cancelled: true))
        #expect(!runs("success()", cancelled: true))
    }

    @Test func cancelledRunsOnlyAfterACancel() {
        #expect(runs("cancelled()", cancelled: true))
        #expect(runs("cancelled()", failed: true, cancelled: true))
        #expect(!runs("cancelled()"))
        #expect(!runs("cancelled()", failed: true))
    }

    @Test func jobStatusIsVisible() {
        #expect(runs("always() && job.status == 'failure'", failed: true))
        #expect(runs("job.status == 'success'"))
        #expect(runs("always() && job.status == 'cancelled'", failed: true, cancelled: true))
    }

    @Test func badExpressionDoesNotRunTheStep() {
        #expect(!runs("steps.(("))
        #expect(!runs("nosuchfunction()"))
    }
}
