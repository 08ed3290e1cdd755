extension PipelineReader {
    /// Syntax-checks every `${{ }}` in a text field, reporting errors at their file column.
    mutating func checkExpressions(_ t: PipelineText, _ what: String) {
        guard case .string(let s) = t.value, s.contains("${{") else { return }
        switch ExpressionTemplate.parse(s) {
        case .success: break
        case .failure(let e): error("\(what): \(e.message)", at: t.location(ofOffset: e.offset))
        }
    }

    /// Syntax-checks a bare expression (an `if:` condition).
    mutating func checkExpressionSyntax(_ source: String, _ t: PipelineText, _ what: String) {
        do {
            _ = try Expression.parse(source)
        } catch {
            self.error("\(what): \(error.message)", at: t.location(ofOffset: error.offset))
        }
    }
}
