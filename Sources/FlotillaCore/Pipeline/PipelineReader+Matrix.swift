internal import FlotillaYAML

extension PipelineReader {
    /// `strategy.matrix`: axes with lists of values, plus `include`/`exclude` lists of mappings.
    /// `key` is where `matrix:` is written; size errors point there.
    mutating func matrix(_ node: YAMLNode, _ what: String, key: SourcePosition) -> PipelineMatrix? {
        var matrix = PipelineMatrix(axes: [], include: [], exclude: [], expression: nil, location: key)
        if let scalar = node.scalar {
            guard case .string(let s) = scalar.resolved, s.contains("${{") else {
                error("\(what): expected a mapping of axes, found \(Self.describe(node))", at: loc(node))
                return nil
            }
            matrix.expression = text(node, what)
            return matrix
        }
        guard let pairs = mapping(node, what) else { return nil }
        for pair in pairs {
            guard let name = literal(pair.key, "\(what) key") else { continue }
            switch name.value {
            case "include", "exclude":
                let entries = combinationList(pair.value, "\(what).\(name.value)")
                if name.value == "include" { matrix.include = entries } else { matrix.exclude = entries }
            default:
                guard let items = pair.value.sequence else {
                    if pair.value.scalar.map({ $0.text.contains("${{") }) == true {
                        error("\(what).\(name.value): axis values computed by an expression are not supported; list the values", at: loc(pair.value))
                    } else {
                        error("\(what).\(name.value): a matrix axis must be a list of values, found \(Self.describe(pair.value))", at: loc(pair.value))
                    }
                    continue
                }
                if items.isEmpty {
                    error("\(what).\(name.value): a matrix axis needs at least one value", at: loc(pair.value))
                    continue
                }
                let values = items.map { value($0) }
                matrix.axes.append(PipelineMatrix.Axis(name: name.value, values: values, location: name.location))
            }
        }
        if matrix.axes.isEmpty && matrix.include.isEmpty {
            error("\(what): the matrix defines no axes and no 'include' entries", at: loc(node))
        }
        return matrix
    }

    private mutating func combinationList(_ node: YAMLNode, _ what: String) -> [Located<ExpressionValue>] {
        guard let items = node.sequence else {
            error("\(what): expected a list of mappings, found \(Self.describe(node))", at: loc(node))
            return []
        }
        var result: [Located<ExpressionValue>] = []
        for item in items {
            guard item.mapping != nil else {
                error("\(what): each entry must be a mapping of matrix keys to values, found \(Self.describe(item))", at: loc(item))
                continue
            }
            result.append(Located(value(item), at: loc(item)))
        }
        return result
    }

    /// Converts YAML to a JSON-model value, keeping the YAML type of scalars.
    func value(_ node: YAMLNode) -> ExpressionValue {
        switch node.content {
        case .scalar(let s):
            switch s.resolved {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .number(Double(i))
            case .double(let d): return .number(d)
            case .string(let t): return .string(t)
            }
        case .sequence(let items):
            return .array(items.map { value($0) })
        case .mapping(let pairs):
            return .object(pairs.map { (key: $0.key.scalar?.text ?? "", value: value($0.value)) })
        }
    }
}
