/// The lexical rules of `ShardGlob`: validation with exact offsets, character classes and
/// brace expansion. Kept apart from matching so each rule lives in one place.
enum GlobSyntax {
    /// A parsed `[...]`.
    struct CharacterClass {
        var negated: Bool
        var ranges: [ClosedRange<Character>]
        /// Index of the closing `]`.
        var end: Int
    }

    /// Checks the whole pattern in one pass and throws at the first problem's offset: an
    /// absolute pattern, `..` segments, a lone trailing `\`, malformed `[...]`, unbalanced
    /// braces, a trailing `/`.
    static func validate(_ chars: [Character], pattern: String) throws(ShardGlobError) {
        func fail(_ offset: Int, _ message: String) -> ShardGlobError {
            ShardGlobError(pattern: pattern, offset: offset, message: message)
        }
        guard !chars.isEmpty else { throw fail(0, "the glob is empty") }
        if chars[0] == "/" { throw fail(0, "the glob is absolute; globs are relative to the workspace root") }
        var segmentStart = 0
        var braces: [Int] = []
        var i = 0
        func checkDotDot(_ end: Int) throws(ShardGlobError) {
            if end - segmentStart == 2, chars[segmentStart] == ".", chars[segmentStart + 1] == "." {
                throw fail(segmentStart, "'..' is not allowed; the glob must stay inside the workspace")
            }
        }
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                guard i + 1 < chars.count else { throw fail(i, "the glob ends with a lone '\\'") }
                i += 1
            case "[":
                i = try characterClass(chars, from: i, pattern: pattern).end
            case "{":
                try checkDotDot(i)
                braces.append(i)
                segmentStart = i + 1
            case "}":
                guard braces.popLast() != nil else { throw fail(i, "'}' has no matching '{'; write '\\}' for a literal brace") }
                try checkDotDot(i)
                segmentStart = i + 1
            case "," where !braces.isEmpty, "/":
                // Brace punctuation bounds a segment too, so `{..,x}` is caught before expansion.
                try checkDotDot(i)
                segmentStart = i + 1
            default:
                break
            }
            i += 1
        }
        try checkDotDot(chars.count)
        if let open = braces.last { throw fail(open, "'{' is never closed by '}'; write '\\{' for a literal brace") }
        if chars.last == "/" {
            throw fail(chars.count - 1, "the glob ends with '/' but matches files; write '\(String(chars))**' for everything under it")
        }
    }

    /// Parses the `[...]` whose `[` is at `start`.
    ///
    /// A `]` right after `[` (or `[!`) is literal; `\` escapes; `a-z` is a range; `/` cannot
    /// appear (a class matches within one segment).
    static func characterClass(_ chars: [Character], from start: Int, pattern: String) throws(ShardGlobError) -> CharacterClass {
        var i = start + 1
        var negated = false
        if i < chars.count, chars[i] == "!" || chars[i] == "^" { negated = true; i += 1 }
        var ranges: [ClosedRange<Character>] = []
        var first = true
        func member(_ j: inout Int) throws(ShardGlobError) -> Character? {
            guard j < chars.count else { return nil }
            var c = chars[j]
            if c == "\\", j + 1 < chars.count { j += 1; c = chars[j] } else if c == "/" {
                throw ShardGlobError(pattern: pattern, offset: j, message: "'/' cannot appear inside '[...]'; a class matches one character of a name")
            }
            return c
        }
        while i < chars.count {
            if chars[i] == "]" && !first { return CharacterClass(negated: negated, ranges: ranges, end: i) }
            first = false
            let at = i
            guard let lower = try member(&i) else { break }
            if i + 2 < chars.count, chars[i + 1] == "-", chars[i + 2] != "]" {
                var j = i + 2
                guard let upper = try member(&j) else { break }
                guard lower <= upper else {
                    throw ShardGlobError(pattern: pattern, offset: at, message: "the range '\(lower)-\(upper)' is reversed")
                }
                ranges.append(lower...upper)
                i = j + 1
            } else {
                ranges.append(lower...lower)
                i += 1
            }
        }
        throw ShardGlobError(pattern: pattern, offset: start, message: "'[' is never closed by ']'; write '\\[' for a literal bracket")
    }

    /// Expands `{a,b}` alternatives (nested, escape- and bracket-aware) into brace-free patterns.
    ///
    /// - Throws: when the alternatives multiply past `limit`.
    static func expandBraces(_ chars: [Character], pattern: String, limit: Int) throws(ShardGlobError) -> [[Character]] {
        var i = 0
        let result = try sequence(chars, &i, nested: false, pattern: pattern, limit: limit)
        precondition(i == chars.count, "validated braces are balanced")
        return result
    }

    /// Expands from `i` to the end, or (when `nested`) to the `,` or `}` that ends this alternative.
    private static func sequence(_ chars: [Character], _ i: inout Int, nested: Bool, pattern: String,
                                 limit: Int) throws(ShardGlobError) -> [[Character]] {
        var results: [[Character]] = [[]]
        func append(_ piece: ArraySlice<Character>) {
            for k in results.indices { results[k] += piece }
        }
        while i < chars.count {
            let c = chars[i]
            if nested && (c == "," || c == "}") { break }
            if c == "\\" {
                append(chars[i...(i + 1)])
                i += 2
            } else if c == "[", let cls = try? characterClass(chars, from: i, pattern: pattern) {
                append(chars[i...cls.end])
                i = cls.end + 1
            } else if c == "{" {
                let open = i
                i += 1
                var options: [[Character]] = []
                while true {
                    options += try sequence(chars, &i, nested: true, pattern: pattern, limit: limit)
                    guard i < chars.count else { break }
                    i += 1
                    if chars[i - 1] == "}" { break }
                }
                guard results.count * options.count <= limit else {
                    throw ShardGlobError(pattern: pattern, offset: open,
                                         message: "the '{...}' alternatives expand to more than \(limit) patterns")
                }
                results = results.flatMap { prefix in options.map { prefix + $0 } }
            } else {
                append(chars[i...i])
                i += 1
            }
        }
        return results
    }
}
