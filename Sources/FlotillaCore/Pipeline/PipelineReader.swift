internal import FlotillaYAML

/// Walks the YAML tree of a pipeline file, collecting every diagnostic instead of stopping at
/// the first, and builds the typed `Pipeline`.
struct PipelineReader {
    let file: String
    private let sourceLines: [Substring]
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, source: String) {
        self.file = file
        sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// Diagnostics in file order (stable for equal positions).
    var sortedDiagnostics: [Diagnostic] {
        diagnostics.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
    }

    mutating func error(_ message: String, at location: SourcePosition) {
        diagnostics.append(Diagnostic(file: file, line: location.line, column: location.column, severity: .error, message: message))
    }

    mutating func warning(_ message: String, at location: SourcePosition) {
        diagnostics.append(Diagnostic(file: file, line: location.line, column: location.column, severity: .warning, message: message))
    }

    func loc(_ node: YAMLNode) -> SourcePosition { SourcePosition(line: node.mark.line, column: node.mark.column) }

    static func describe(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let s):
            switch s.resolved {
            case .null: return "null"
            case .bool(let b): return "boolean \(b)"
            case .int, .double: return "number \(s.text)"
            case .string(let t): return "string '\(t.count > 60 ? String(t.prefix(57)) + "..." : t)'"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    // MARK: Shapes

    /// The pairs of a mapping node, or an error naming what was expected.
    mutating func mapping(_ node: YAMLNode, _ what: String) -> [YAMLPair]? {
        if let pairs = node.mapping { return pairs }
        error("\(what): expected a mapping, found \(Self.describe(node))", at: loc(node))
        return nil
    }

    /// The entries of a mapping whose keys must be strings from `allowed`; unknown keys are
    /// errors listing the allowed ones, keys in `ignored` are accepted with a warning.
    mutating func fields(_ pairs: [YAMLPair], allowed: [String], ignored: [String] = [],
                         in context: String) -> [(name: String, key: YAMLNode, value: YAMLNode)] {
        var result: [(name: String, key: YAMLNode, value: YAMLNode)] = []
        for pair in pairs {
            guard let name = pair.key.scalar?.text else {
                error("\(context): keys must be strings, found \(Self.describe(pair.key))", at: loc(pair.key))
                continue
            }
            if allowed.contains(name) {
                result.append((name, pair.key, pair.value))
            } else if ignored.contains(name) {
                warning("'\(name)' in \(context) is not used by Flotilla and is ignored", at: loc(pair.key))
            } else {
                error("unknown key '\(name)' in \(context); allowed keys: \(allowed.joined(separator: ", "))", at: loc(pair.key))
            }
        }
        return result
    }

    // MARK: Scalars

    /// A scalar as a `PipelineText` (strings, numbers and booleans keep their YAML type).
    mutating func text(_ node: YAMLNode, _ what: String, checking: Bool = true) -> PipelineText? {
        guard let scalar = node.scalar else {
            error("\(what): expected a string, found \(Self.describe(node))", at: loc(node))
            return nil
        }
        let value: ExpressionValue
        switch scalar.resolved {
        case .null: value = .string("")
        case .bool(let b): value = .bool(b)
        case .int(let i): value = .number(Double(i))
        case .double(let d): value = .number(d)
        case .string(let s): value = .string(s)
        }
        let result = PipelineText(value: value, location: loc(node), layout: layout(of: node, scalar), origin: scalar.text)
        if checking { checkExpressions(result, what) }
        return result
    }

    /// A plain string field (no expressions allowed), such as a step `id` or `shell`.
    mutating func literal(_ node: YAMLNode, _ what: String) -> Located<String>? {
        guard let scalar = node.scalar, case .string(let s) = scalar.resolved else {
            error("\(what): expected a string, found \(Self.describe(node))", at: loc(node))
            return nil
        }
        if s.contains("${{") {
            error("\(what): expressions are not allowed here", at: loc(node))
            return nil
        }
        return Located(s, at: loc(node))
    }

    /// A string or a list of strings.
    mutating func textList(_ node: YAMLNode, _ what: String) -> [PipelineText] {
        if let items = node.sequence {
            if items.isEmpty { error("\(what): the list is empty", at: loc(node)) }
            return items.compactMap { text($0, what) }
        }
        return text(node, what).map { [$0] } ?? []
    }

    /// A number field, or a `${{ }}` expression to evaluate at plan time.
    mutating func number(_ node: YAMLNode, _ what: String, expected: String) -> PipelineText? {
        guard let t = text(node, what) else { return nil }
        switch t.value {
        case .number: return t
        case .string(let s) where s.contains("${{"): return t
        default:
            error("invalid '\(what)': expected \(expected), found \(Self.describe(node))", at: loc(node))
            return nil
        }
    }

    /// A boolean field, or a `${{ }}` expression to evaluate at plan time.
    mutating func boolean(_ node: YAMLNode, _ what: String) -> PipelineText? {
        guard let t = text(node, what) else { return nil }
        switch t.value {
        case .bool: return t
        case .string(let s) where s.contains("${{"): return t
        default:
            error("invalid '\(what)': expected true or false, found \(Self.describe(node))", at: loc(node))
            return nil
        }
    }

    /// An `env:` mapping; values may be strings, numbers or booleans.
    mutating func env(_ node: YAMLNode, _ what: String) -> [PipelineEnvVar] {
        guard let pairs = mapping(node, what) else { return [] }
        var vars: [PipelineEnvVar] = []
        for pair in pairs {
            guard let name = literal(pair.key, "\(what) variable name") else { continue }
            if name.value.isEmpty || name.value.contains("=") || name.value.contains("\0") {
                error("\(what): '\(name.value)' is not a valid environment variable name", at: name.location)
                continue
            }
            guard let value = text(pair.value, "\(what).\(name.value)") else { continue }
            vars.append(PipelineEnvVar(name: name.value, value: value, location: name.location))
        }
        return vars
    }

    /// An `if:` condition: a bare expression or one wrapped whole in `${{ }}`.
    mutating func condition(_ node: YAMLNode, _ what: String) -> PipelineText? {
        guard var t = text(node, what, checking: false) else { return nil }
        guard case .string(let raw) = t.value else { return t }
        let trimmed = raw.trimmingWhitespace
        if trimmed.hasPrefix("${{"), trimmed.hasSuffix("}}"), trimmed.components(separatedBy: "${{").count == 2 {
            let lead = raw.prefix { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }.count + 3
            let inner = String(trimmed.dropFirst(3).dropLast(2))
            t.value = .string(inner)
            t.shift = lead
            checkExpressionSyntax(inner, t, what)
            return t
        }
        if raw.contains("${{") {
            error("\(what): a condition must be a bare expression or a single '${{ }}' around the whole condition", at: t.location)
            return nil
        }
        checkExpressionSyntax(raw, t, what)
        return t
    }

    // MARK: Layout

    private func layout(of node: YAMLNode, _ scalar: YAMLScalar) -> TextLayout {
        switch scalar.style {
        case .plain: return .inline(prefix: 0)
        case .singleQuoted, .doubleQuoted: return .inline(prefix: 1)
        case .literal, .folded:
            // Content starts on the line after the `|`/`>` header; its indentation is that of
            // the first non-blank content line.
            var line = node.mark.line + 1
            while line - 1 < sourceLines.count {
                let text = sourceLines[line - 1]
                if !text.allSatisfy({ $0 == " " || $0 == "\r" }) {
                    return .block(firstLine: line, indent: text.prefix { $0 == " " }.count)
                }
                line += 1
            }
            return .block(firstLine: node.mark.line + 1, indent: 0)
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
