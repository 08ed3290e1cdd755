// libFuzzer entry point for the pipeline loader and planner.
//
// Built by ../run-pipeline-loader-fuzz.sh, which compiles FlotillaYAML and the pipeline parts
// of FlotillaCore (Pipeline/, Expressions/) with `-sanitize=fuzzer,address`. Every input must
// end in a Plan or a PipelineLoadError; a crash, a trap or a sanitizer report is a bug.
import FlotillaCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipelineLoader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let pipeline = try PipelineLoader.load(text: text, fileName: "fuzz.yml")
        let plan = try Planner.plan(pipeline, options: PlanOptions(skipUses: size % 2 == 0, github: ["ref": "refs/heads/main"]))
        _ = PlanRenderer.json(plan)
        _ = PlanRenderer.table(plan)
        // The agent's side: evaluate what the planner left for run time.
        let context = ExpressionContext(contexts: ["steps": .object([]), "runner": .object([(key: "os", value: .string("Linux"))])])
        for job in plan.jobs {
            for step in job.steps {
                _ = try? Expression.evaluateCondition(step.condition, context: context)
                _ = try? Expression.interpolate(step.run, context: context)
            }
        }
    } catch {
        precondition(!error.errors.isEmpty, "a PipelineLoadError without errors")
    }
    return 0
}
