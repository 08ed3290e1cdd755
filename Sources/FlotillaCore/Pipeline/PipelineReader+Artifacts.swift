internal import FlotillaYAML

extension PipelineReader {
    static let artifactKeys = ["path", "name", "kind"]

    /// `jobs.<key>.artifacts`: a list of `{path, name?, kind?}` mappings.
    mutating func artifacts(_ node: YAMLNode, _ what: String) -> [PipelineArtifact] {
        guard let items = node.sequence else {
            error("\(what): expected a list of artifacts such as '- path: reports/junit.xml', found \(Self.describe(node))", at: loc(node))
            return []
        }
        var result: [PipelineArtifact] = []
        for (index, item) in items.enumerated() {
            if let artifact = artifact(item, "\(what)[\(index)]") { result.append(artifact) }
        }
        return result
    }

    private mutating func artifact(_ node: YAMLNode, _ what: String) -> PipelineArtifact? {
        guard let pairs = node.mapping else {
            error("\(what): expected a mapping with 'path' (and optionally 'name' and 'kind'), found \(Self.describe(node))", at: loc(node))
            return nil
        }
        var path: PipelineText?, name: PipelineText?, kind = ArtifactKind.file
        var valid = true
        for field in fields(pairs, allowed: Self.artifactKeys, in: "'\(what)'") {
            switch field.name {
            case "path":
                guard let t = artifactText(field.value, "\(what).path") else { valid = false; continue }
                if !t.hasExpression, let problem = ArtifactPath.problem(in: t.text) {
                    error("\(what).path: \(problem.message)", at: t.location(ofOffset: problem.offset))
                    valid = false
                }
                path = t
            case "name":
                guard let t = artifactText(field.value, "\(what).name") else { valid = false; continue }
                if !t.hasExpression, let problem = ArtifactPath.problem(inName: t.text) {
                    error("\(what).name: \(problem)", at: t.location)
                    valid = false
                }
                name = t
            case "kind":
                guard let k = literal(field.value, "\(what).kind") else { valid = false; continue }
                guard let parsed = ArtifactKind(rawValue: k.value) else {
                    error("\(what).kind: unknown artifact kind '\(k.value)'; expected one of \(ArtifactKind.allowedList)", at: k.location)
                    valid = false
                    continue
                }
                kind = parsed
            default:
                preconditionFailure("unhandled artifact key \(field.name)")
            }
        }
        guard let path else {
            if !pairs.contains(where: { $0.key.scalar?.text == "path" }) {
                error("\(what) has no 'path'; give a file or glob relative to the workspace", at: loc(node))
            }
            return nil
        }
        return valid ? PipelineArtifact(path: path, name: name, kind: kind, location: loc(node)) : nil
    }

    /// A string scalar (a number such as `name: 2024` is not a path or a name).
    private mutating func artifactText(_ node: YAMLNode, _ what: String) -> PipelineText? {
        guard let t = text(node, what) else { return nil }
        guard case .string(let s) = t.value, !(node.scalar?.resolved == .null && s.isEmpty) else {
            error("\(what): expected a string, found \(Self.describe(node))", at: t.location)
            return nil
        }
        return t
    }
}
