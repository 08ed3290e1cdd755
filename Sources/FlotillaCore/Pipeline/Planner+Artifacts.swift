extension PlanBuilder {
    /// A planned job's `artifacts:`: plan-time expressions in `path` and `name` resolved and the
    /// results checked again (an expression can produce `..`), default names derived, and
    /// names checked to be unique within the job.
    mutating func artifactSpecs(_ job: PipelineJob, _ context: ExpressionContext) -> [ArtifactSpec] {
        var specs: [ArtifactSpec] = []
        var taken: [String: SourcePosition] = [:]
        for (index, artifact) in job.artifacts.enumerated() {
            let what = "jobs.\(job.key).artifacts[\(index)]"
            guard let path = resolvedText(artifact.path, context, what: "\(what).path") else { continue }
            if artifact.path.hasExpression, let problem = ArtifactPath.problem(in: path) {
                error("\(what).path: \(problem.message) (from '\(artifact.path.text)')", at: artifact.path.location)
                continue
            }
            var name = ArtifactPath.defaultName(for: path, kind: artifact.kind)
            var nameLocation = artifact.location
            if let written = artifact.name {
                guard let resolved = resolvedText(written, context, what: "\(what).name") else { continue }
                if written.hasExpression, let problem = ArtifactPath.problem(inName: resolved) {
                    error("\(what).name: \(problem) (from '\(written.text)')", at: written.location)
                    continue
                }
                name = resolved
                nameLocation = written.location
            }
            if let first = taken[name] {
                let origin = artifact.name == nil ? " (derived from the path)" : ""
                error("artifact name '\(name)'\(origin) is already used in job '\(job.key)' by the artifact at line \(first.line), column \(first.column); give each artifact a distinct 'name:'",
                      at: nameLocation)
                continue
            }
            taken[name] = artifact.location
            specs.append(ArtifactSpec(path: path, name: name, kind: artifact.kind))
        }
        return specs
    }

    /// A text field that must be known at plan time, as a string.
    private mutating func resolvedText(_ t: PipelineText, _ context: ExpressionContext, what: String) -> String? {
        guard let v = value(t, context, what: what) else { return nil }
        switch v {
        case .string, .number, .bool: return v.stringValue
        default:
            error("\(what): expected text, found \(Self.describe(v))", at: t.location)
            return nil
        }
    }
}
