internal import FlotillaYAML

extension PipelineReader {
    static let stepKeys = ["name", "id", "run", "uses", "with", "shell", "env", "working-directory",
                           "timeout-minutes", "continue-on-error", "if"]

    mutating func steps(_ node: YAMLNode, _ what: String) -> [PipelineStep] {
        guard let items = node.sequence else {
            error("\(what): expected a list of steps, found \(Self.describe(node))", at: loc(node))
            return []
        }
        if items.isEmpty { error("\(what): a job needs at least one step", at: loc(node)) }
        var result: [PipelineStep] = []
        var ids: [String: SourcePosition] = [:]
        for (index, item) in items.enumerated() {
            guard let step = step(item, "\(what)[\(index)]") else { continue }
            if let id = step.id {
                if let first = ids[id.value] {
                    error("step id '\(id.value)' is already used by the step at line \(first.line), column \(first.column)", at: id.location)
                }
                ids[id.value] = id.location
            }
            result.append(step)
        }
        return result
    }

    private mutating func step(_ node: YAMLNode, _ what: String) -> PipelineStep? {
        guard let pairs = mapping(node, "step") else { return nil }
        var step = PipelineStep(location: loc(node), id: nil, name: nil, run: nil, uses: nil, shell: nil, env: [],
                                workingDirectory: nil, timeoutMinutes: nil, continueOnError: nil, condition: nil)
        var with: YAMLNode?
        for field in fields(pairs, allowed: Self.stepKeys, in: "a step") {
            switch field.name {
            case "name": step.name = text(field.value, "step name")
            case "id":
                step.id = literal(field.value, "step id")
                if let id = step.id, !Self.isValidJobID(id.value) {
                    error("invalid step id '\(id.value)': an id must start with a letter or '_' and contain only letters, digits, '-' and '_'", at: id.location)
                }
            case "run": step.run = text(field.value, "run")
            case "uses": step.uses = literal(field.value, "uses")
            case "with": with = field.key
            case "shell": step.shell = shell(field.value, "shell")
            case "env": step.env = env(field.value, "step env")
            case "working-directory": step.workingDirectory = text(field.value, "working-directory")
            case "timeout-minutes":
                step.timeoutMinutes = number(field.value, "timeout-minutes", expected: "a number of minutes")
                checkPositive(step.timeoutMinutes, "timeout-minutes")
            case "continue-on-error": step.continueOnError = boolean(field.value, "continue-on-error")
            case "if": step.condition = condition(field.value, "if")
            default: preconditionFailure("unhandled step key \(field.name)")
            }
        }
        let hasRun = pairs.contains { $0.key.scalar?.text == "run" }
        let hasUses = pairs.contains { $0.key.scalar?.text == "uses" }
        if hasRun == hasUses {
            error(hasRun ? "a step cannot have both 'run' and 'uses'" : "a step needs exactly one of 'run' or 'uses'", at: loc(node))
        }
        if let with, !hasUses {
            error("'with' is only valid on a 'uses' step", at: loc(with))
        }
        if hasRun, let t = step.run, t.text.trimmingWhitespace.isEmpty {
            error("'run' is empty", at: t.location)
        }
        return step
    }
}
