/// Tokenizer and recursive-descent parser for GitHub Actions expressions.
///
/// Precedence, loosest first: `||`, `&&`, `==`/`!=`, `<`/`<=`/`>`/`>=`, `!`, then postfix
/// `.name`, `[index]`, `.*`. Offsets in errors count Characters from the start of `source`
/// plus `base`, so a caller embedding the expression in a larger text gets absolute offsets.
struct ExpressionParser {
    enum Token: Equatable {
        case punct(String)  // ( ) [ ] , . .* ! == != < <= > >= && ||
        case identifier(String)
        case number(Double, String)
        case string(String)
        case end
    }

    static let knownContexts: Set<String> = ["matrix", "env", "job", "steps", "runner", "github", "strategy",
                                             "needs", "inputs", "vars", "secrets"]
    /// Function name → allowed argument counts (min, max).
    static let functions: [String: (Int, Int)] = [
        "contains": (2, 2), "startswith": (2, 2), "endswith": (2, 2), "format": (1, Int.max),
        "join": (1, 2), "tojson": (1, 1), "fromjson": (1, 1),
        "success": (0, 0), "failure": (0, 0), "always": (0, 0), "cancelled": (0, 0),
    ]

    private let chars: [Character]
    private let base: Int
    private var pos = 0
    private var tokens: [(Token, Int)] = []
    private var cursor = 0
    private var depth = 0

    init(_ source: String, base: Int = 0) { chars = Array(source); self.base = base }

    static func parse(_ source: String, base: Int = 0) throws(ExpressionError) -> ExpressionNode {
        var parser = ExpressionParser(source, base: base)
        try parser.tokenize()
        guard parser.tokens.count > 1 else {
            throw ExpressionError(offset: base, message: "expected an expression, found nothing")
        }
        let node = try parser.parseOr()
        let (token, offset) = parser.tokens[parser.cursor]
        guard token == .end else {
            throw ExpressionError(offset: offset, message: "unexpected \(describe(token)) after the end of the expression")
        }
        return node
    }

    // MARK: Tokenizer

    /// Bounds the syntax tree (and so the recursion that walks it): long `||` chains nest.
    static let maxTokens = 1_000

    private mutating func tokenize() throws(ExpressionError) {
        while true {
            if tokens.count > Self.maxTokens {
                throw ExpressionError(offset: base, message: "the expression is too long (more than \(Self.maxTokens) tokens)")
            }
            while pos < chars.count, chars[pos].isWhitespace { pos += 1 }
            let start = pos
            guard pos < chars.count else { tokens.append((.end, base + pos)); return }
            let c = chars[pos]
            let next: Character? = pos + 1 < chars.count ? chars[pos + 1] : nil
            let afterDot = tokens.last.map { $0.0 == .punct(".") } ?? false
            if afterDot, c == "*" { tokens.removeLast(); tokens.append((.punct(".*"), base + start - 1)); pos += 1; continue }
            if afterDot, isIdentifierChar(c) {
                tokens.append((.identifier(readWhile(isIdentifierChar)), base + start)); continue
            }
            switch c {
            case "(", ")", "[", "]", ",", ".":
                if c == ".", let n = next, n.isASCII, n.isNumber, !(tokens.last.map { Self.endsOperand($0.0) } ?? false) {
                    try readNumber(start); continue
                }
                tokens.append((.punct(String(c)), base + start)); pos += 1
            case "!", "=", "<", ">":
                if next == "=" { tokens.append((.punct(String(c) + "="), base + start)); pos += 2 }
                else if c == "=" { throw ExpressionError(offset: base + start, message: "unexpected '='; use '==' to compare") }
                else { tokens.append((.punct(String(c)), base + start)); pos += 1 }
            case "&", "|":
                guard next == c else {
                    throw ExpressionError(offset: base + start, message: "unexpected '\(c)'; use '\(c)\(c)'")
                }
                tokens.append((.punct(String(c) + String(c)), base + start)); pos += 2
            case "'":
                try readString(start)
            case "-", "+":
                guard let n = next, (n.isASCII && n.isNumber) || n == "." else {
                    throw ExpressionError(offset: base + start, message: "unexpected '\(c)'")
                }
                try readNumber(start)
            default:
                if c.isASCII && c.isNumber { try readNumber(start); continue }
                guard c.isLetter || c == "_" else {
                    throw ExpressionError(offset: base + start, message: "unexpected character '\(c)'")
                }
                tokens.append((.identifier(readWhile(isIdentifierChar)), base + start))
            }
        }
    }

    private static func endsOperand(_ t: Token) -> Bool {
        switch t {
        case .identifier, .number, .string, .punct(")"), .punct("]"): return true
        default: return false
        }
    }

    private func isIdentifierChar(_ c: Character) -> Bool { c.isLetter || (c.isASCII && c.isNumber) || c == "_" || c == "-" }

    private mutating func readWhile(_ pred: (Character) -> Bool) -> String {
        let start = pos
        while pos < chars.count, pred(chars[pos]) { pos += 1 }
        return String(chars[start..<pos])
    }

    private mutating func readNumber(_ start: Int) throws(ExpressionError) {
        pos += 1
        while pos < chars.count {
            let c = chars[pos]
            if c.isASCII && (c.isLetter || c.isNumber || c == ".") { pos += 1; continue }
            if (c == "+" || c == "-"), let p = chars[pos - 1].lowercased().first, p == "e",
               !String(chars[start..<pos]).lowercased().hasPrefix("0x") { pos += 1; continue }
            break
        }
        let text = String(chars[start..<pos])
        let value = ExpressionValue.parseNumber(text)
        guard !value.isNaN else { throw ExpressionError(offset: base + start, message: "'\(text)' is not a valid number") }
        tokens.append((.number(value, text), base + start))
    }

    private mutating func readString(_ start: Int) throws(ExpressionError) {
        pos += 1
        var value = ""
        while true {
            guard pos < chars.count else {
                throw ExpressionError(offset: base + start, message: "unclosed string literal: expected a closing '")
            }
            if chars[pos] == "'" {
                if pos + 1 < chars.count, chars[pos + 1] == "'" { value.append("'"); pos += 2; continue }
                pos += 1
                break
            }
            value.append(chars[pos]); pos += 1
        }
        tokens.append((.string(value), base + start))
    }

    // MARK: Parser

    private var current: (Token, Int) { tokens[cursor] }

    private mutating func accept(_ p: String) -> Bool {
        if current.0 == .punct(p) { cursor += 1; return true }
        return false
    }

    private static func describe(_ t: Token) -> String {
        switch t {
        case .punct(let p): return "'\(p)'"
        case .identifier(let i): return "'\(i)'"
        case .number(_, let text): return "number \(text)"
        case .string(let s): return "string '\(s)'"
        case .end: return "end of expression"
        }
    }

    private mutating func expected(_ what: String) -> ExpressionError {
        ExpressionError(offset: current.1, message: "expected \(what), found \(Self.describe(current.0))")
    }

    private mutating func parseOr() throws(ExpressionError) -> ExpressionNode {
        var node = try parseAnd()
        while accept("||") { try operand("||"); node = .binary(.or, node, try parseAnd()) }
        return node
    }

    private mutating func parseAnd() throws(ExpressionError) -> ExpressionNode {
        var node = try parseEquality()
        while accept("&&") { try operand("&&"); node = .binary(.and, node, try parseEquality()) }
        return node
    }

    private mutating func parseEquality() throws(ExpressionError) -> ExpressionNode {
        var node = try parseComparison()
        while true {
            if accept("==") { try operand("=="); node = .binary(.equal, node, try parseComparison()) }
            else if accept("!=") { try operand("!="); node = .binary(.notEqual, node, try parseComparison()) }
            else { return node }
        }
    }

    private mutating func parseComparison() throws(ExpressionError) -> ExpressionNode {
        var node = try parseUnary()
        let ops: [(String, ExpressionNode.BinaryOperator)] = [("<=", .lessOrEqual), (">=", .greaterOrEqual), ("<", .less), (">", .greater)]
        outer: while true {
            for (text, op) in ops where accept(text) {
                try operand(text)
                node = .binary(op, node, try parseUnary())
                continue outer
            }
            return node
        }
    }

    /// After a binary operator, the next token must be able to start a value.
    private mutating func operand(_ op: String) throws(ExpressionError) {
        switch current.0 {
        case .end, .punct(")"), .punct("]"), .punct(","), .punct("=="), .punct("!="), .punct("&&"), .punct("||"),
             .punct("<"), .punct("<="), .punct(">"), .punct(">="), .punct("."), .punct(".*"):
            throw expected("a value after '\(op)'")
        default:
            break
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExpressionNode {
        if accept("!") {
            try enter()
            defer { depth -= 1 }
            return .not(try parseUnary())
        }
        return try parsePostfix()
    }

    private mutating func enter() throws(ExpressionError) {
        depth += 1
        if depth > 50 { throw ExpressionError(offset: current.1, message: "the expression nests deeper than 50 levels") }
    }

    private mutating func parsePostfix() throws(ExpressionError) -> ExpressionNode {
        var node = try parsePrimary()
        while true {
            if accept(".") {
                guard case .identifier(let name) = current.0 else { throw expected("a property name after '.'") }
                cursor += 1
                node = .property(node, name)
            } else if accept(".*") {
                node = .wildcard(node)
            } else if accept("[") {
                try enter()
                let index = try parseOr()
                depth -= 1
                node = .index(node, index)
                guard accept("]") else { throw expected("']'") }
            } else {
                return node
            }
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode {
        let (token, offset) = current
        switch token {
        case .number(let n, _): cursor += 1; return .literal(.number(n))
        case .string(let s): cursor += 1; return .literal(.string(s))
        case .punct("("):
            cursor += 1
            try enter()
            let inner = try parseOr()
            depth -= 1
            guard accept(")") else { throw expected("')'") }
            return inner
        case .identifier(let name):
            cursor += 1
            let lower = name.lowercased()
            if current.0 == .punct("(") {
                cursor += 1
                return try parseCall(lower, name: name, at: offset)
            }
            switch lower {
            case "null": return .literal(.null)
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "nan": return .literal(.number(.nan))
            case "infinity": return .literal(.number(.infinity))
            default: break
            }
            guard Self.knownContexts.contains(lower) else {
                throw ExpressionError(offset: offset, message: "unrecognized named value '\(name)'; known contexts: \(Self.knownContexts.sorted().joined(separator: ", "))")
            }
            return .context(lower)
        default:
            throw expected("a value")
        }
    }

    private mutating func parseCall(_ lower: String, name: String, at offset: Int) throws(ExpressionError) -> ExpressionNode {
        guard let (minArgs, maxArgs) = Self.functions[lower] else {
            let hint = lower == "hashfiles" ? "; hashFiles is not supported by Flotilla" : ""
            throw ExpressionError(offset: offset, message: "unknown function '\(name)'\(hint)")
        }
        try enter()
        defer { depth -= 1 }
        var args: [ExpressionNode] = []
        if !accept(")") {
            repeat { args.append(try parseOr()) } while accept(",")
            guard accept(")") else { throw expected("',' or ')'") }
        }
        guard args.count >= minArgs, args.count <= maxArgs else {
            let range = minArgs == maxArgs ? "\(minArgs)" : maxArgs == Int.max ? "at least \(minArgs)" : "\(minArgs) to \(maxArgs)"
            throw ExpressionError(offset: offset, message: "function '\(name)' takes \(range) argument\(range == "1" ? "" : "s"), found \(args.count)")
        }
        return .call(lower, args)
    }
}
