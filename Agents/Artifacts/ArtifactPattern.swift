/// A parsed `artifacts:` path: a relative glob or literal path, matched one directory level at a time.
///
/// Syntax: `*` (any run of characters except `/`), `?` (one character except `/`), `[abc]`,
/// `[a-z]`, `[!a-z]` or `[^a-z]`, `\` escaping the next character, and `**` as a whole
/// component for zero or more directories. Empty and `.` components are dropped
/// (`./out//a.xml` is `out/a.xml`). Patterns that could reach outside the source directory
/// are refused when parsed: absolute paths and any `..` component, even one that a later
/// component would cancel. Matching is on bytes, so `?` is one byte; names outside the
/// artifact alphabet are refused later anyway.
public struct ArtifactPattern: Sendable, Equatable {
    /// One path component of a pattern.
    public enum Component: Sendable, Equatable {
        /// A name matched exactly (escapes already removed).
        case literal(String)
        /// A name with wildcards.
        case wildcard(NameGlob)
        /// `**`: zero or more directories.
        case anyDirectories
    }

    /// The pattern as written.
    public let text: String
    public let components: [Component]

    /// True when no component has a wildcard: the pattern names one path.
    public var isLiteral: Bool {
        components.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// Parses and checks a pattern.
    /// - Throws: `ArtifactPatternError` for an empty, absolute, `..`-containing or NUL-containing pattern.
    public init(_ text: String) throws(ArtifactPatternError) {
        self.text = text
        guard !text.isEmpty else { throw .empty }
        guard !text.utf8.contains(0) else { throw .containsNUL }
        guard !text.hasPrefix("/") else { throw .absolute(text) }
        var components: [Component] = []
        for raw in text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            let bytes = Array(raw)
            if bytes == [UInt8(ascii: ".")] { continue }
            if bytes == [UInt8(ascii: "."), UInt8(ascii: ".")] { throw .parentComponent(text) }
            if bytes == [UInt8(ascii: "*"), UInt8(ascii: "*")] {
                // `a/**/**/b` means the same as `a/**/b`; one keeps the walk linear.
                if components.last != .anyDirectories { components.append(.anyDirectories) }
                continue
            }
            let glob = NameGlob(bytes)
            if let literal = glob.literalName {
                components.append(.literal(literal))
            } else {
                components.append(.wildcard(glob))
            }
        }
        guard !components.isEmpty else { throw .namesSourceDirectory(text) }
        self.components = components
    }
}

/// A pattern that cannot be collected; the description is the refusal reason users see.
public enum ArtifactPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case containsNUL
    case absolute(String)
    case parentComponent(String)
    case namesSourceDirectory(String)
    case tooManyAlternatives(Int)

    public var description: String {
        switch self {
        case .empty: "the path is empty"
        case .containsNUL: "the path contains a NUL byte"
        case .absolute: "absolute paths are not allowed; artifact paths are relative to the workspace"
        case .parentComponent: "'..' is not allowed in artifact paths"
        case .namesSourceDirectory: "the path names the workspace itself; name files or use '**'"
        case .tooManyAlternatives(let limit): "the path's {a,b} alternatives expand to more than \(limit) patterns"
        }
    }
}

/// A glob for a single file name: literal bytes, `?`, `*` and bracket classes.
public struct NameGlob: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case byte(UInt8)
        case anyByte
        case star
        /// Byte ranges, negated for `[!…]` / `[^…]`.
        case set([ClosedRange<UInt8>], negated: Bool)
    }

    let tokens: [Token]

    /// Parses one component's bytes (no `/`).
    init(_ bytes: [UInt8]) {
        var tokens: [Token] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "\\") where i + 1 < bytes.count:
                tokens.append(.byte(bytes[i + 1]))
                i += 2
                continue
            case UInt8(ascii: "*"):
                if tokens.last != .star { tokens.append(.star) }
            case UInt8(ascii: "?"):
                tokens.append(.anyByte)
            case UInt8(ascii: "["):
                if let (set, next) = Self.parseSet(bytes, from: i) {
                    tokens.append(set)
                    i = next
                    continue
                }
                tokens.append(.byte(byte)) // an unclosed `[` is itself
            default:
                tokens.append(.byte(byte))
            }
            i += 1
        }
        self.tokens = tokens
    }

    /// The name when the glob has no wildcard, else nil.
    var literalName: String? {
        var bytes: [UInt8] = []
        for token in tokens {
            guard case .byte(let byte) = token else { return nil }
            bytes.append(byte)
        }
        // Exact: the bytes came from a String, and removing ASCII backslashes keeps them UTF-8.
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the whole of `name` matches.
    public func matches<C: Collection<UInt8>>(_ name: C) -> Bool where C.Index == Int {
        // Iterative matching with one backtrack point: the last `*` and where it resumed.
        var t = 0
        var n = name.startIndex
        var starToken: Int?
        var starResume = name.startIndex
        while n < name.endIndex {
            if t < tokens.count, tokens[t] != .star, Self.matches(tokens[t], name[n]) {
                t += 1
                n += 1
            } else if t < tokens.count, tokens[t] == .star {
                starToken = t
                starResume = n
                t += 1
            } else if let star = starToken {
                t = star + 1
                starResume += 1
                n = starResume
            } else {
                return false
            }
        }
        while t < tokens.count, tokens[t] == .star { t += 1 }
        return t == tokens.count
    }

    private static func matches(_ token: Token, _ byte: UInt8) -> Bool {
        switch token {
        case .byte(let expected): return byte == expected
        case .anyByte: return true
        case .star: return true
        case .set(let ranges, let negated): return ranges.contains { $0.contains(byte) } != negated
        }
    }

    /// Parses `[…]` starting at `start`; nil when it is not closed.
    private static func parseSet(_ bytes: [UInt8], from start: Int) -> (Token, Int)? {
        var i = start + 1
        var negated = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "!") || bytes[i] == UInt8(ascii: "^") {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt8>] = []
        var first = true
        while i < bytes.count {
            var byte = bytes[i]
            if byte == UInt8(ascii: "]") && !first { return (.set(ranges, negated: negated), i + 1) }
            first = false
            if byte == UInt8(ascii: "\\"), i + 1 < bytes.count {
                i += 1
                byte = bytes[i]
            }
            if i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "-"), bytes[i + 2] != UInt8(ascii: "]") {
                let upper = bytes[i + 2]
                ranges.append(min(byte, upper)...max(byte, upper))
                i += 3
            } else {
                ranges.append(byte...byte)
                i += 1
            }
        }
        return nil
    }
}

extension ArtifactPattern {
    /// Most patterns one `{a,b}` expansion may produce.
    public static let maxBraceExpansions = 64

    /// Expands `{a,b,…}` alternations (nested ones too) into separate patterns, as a shell
    /// would: `out/*.{xml,json}` is `out/*.xml` and `out/*.json`. Braces without a top-level
    /// comma, unbalanced braces and escaped ones (`\{`) are kept as written.
    ///
    /// - Throws: `ArtifactPatternError.tooManyAlternatives` past `maxBraceExpansions`.
    public static func expandingBraces(_ text: String) throws(ArtifactPatternError) -> [String] {
        var results: [[UInt8]] = []
        try expand(Array(text.utf8), into: &results)
        return results.map { String(decoding: $0, as: UTF8.self) }
    }

    private static func expand(_ bytes: [UInt8], into results: inout [[UInt8]]) throws(ArtifactPatternError) {
        guard let (open, close, commas) = firstAlternation(bytes) else {
            guard results.count < maxBraceExpansions else { throw .tooManyAlternatives(maxBraceExpansions) }
            results.append(bytes)
            return
        }
        let prefix = bytes[..<open]
        let suffix = bytes[(close + 1)...]
        var start = open + 1
        for end in commas + [close] {
            try expand(Array(prefix) + bytes[start..<end] + suffix, into: &results)
            start = end + 1
        }
    }

    /// The first `{…}` holding a comma at its own nesting level: its bounds and those commas.
    private static func firstAlternation(_ bytes: [UInt8]) -> (Int, Int, [Int])? {
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
            if bytes[i] == UInt8(ascii: "{"), let (close, commas) = closing(bytes, from: i), !commas.isEmpty {
                return (i, close, commas)
            }
            i += 1
        }
        return nil
    }

    private static func closing(_ bytes: [UInt8], from open: Int) -> (Int, [Int])? {
        var depth = 0
        var commas: [Int] = []
        var i = open + 1
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 1
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                if depth == 0 { return (i, commas) }
                depth -= 1
            case UInt8(ascii: ",") where depth == 0: commas.append(i)
            default: break
            }
            i += 1
        }
        return nil
    }
}
