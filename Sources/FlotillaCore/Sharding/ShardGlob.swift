/// A path glob for `shard.files`, matched against the relative paths of the source snapshot.
///
/// Syntax (what `@actions/glob`, bash `globstar` and `.gitignore` users expect):
/// - `*` any run of characters within one path segment (dot files included), `?` one character;
/// - `**` as a whole segment: zero or more segments (`tests/**/*.py`); at the end, one or
///   more (`tests/**` is every file under `tests`); inside a segment it is `*`;
/// - `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`) one character from (or not from) a set;
/// - `{a,b}` alternatives, which may nest and contain `/` (`{src,tests}/**/*.swift`);
/// - `\` makes the next character literal.
///
/// Patterns are relative to the workspace root: a leading `/` or a `..` segment is refused
/// (the glob must not reach outside the checkout), a leading `./` is ignored, and a trailing
/// `/` is refused because only files are listed (`dir/**` takes everything under `dir`).
/// Matching is case-sensitive.
public struct ShardGlob: Sendable, Equatable {
    /// Most patterns `{}` alternatives may expand to, so a short pattern cannot cost unbounded work.
    public static let maxAlternatives = 1024

    /// The pattern as given.
    public let pattern: String
    /// One segment list per brace alternative.
    private let alternatives: [[Segment]]

    enum Token: Sendable, Equatable {
        case character(Character)
        case star
        case one
        case set(negated: Bool, ranges: [ClosedRange<Character>])
    }

    enum Segment: Sendable, Equatable {
        case globstar
        case tokens([Token])
    }

    /// Parses and validates a pattern.
    ///
    /// - Throws: `ShardGlobError` with the offset (in characters) of the first problem.
    public init(_ pattern: String) throws(ShardGlobError) {
        self.pattern = pattern
        let chars = Array(pattern)
        try GlobSyntax.validate(chars, pattern: pattern)
        var alternatives: [[Segment]] = []
        for alternative in try GlobSyntax.expandBraces(chars, pattern: pattern, limit: Self.maxAlternatives) {
            if alternative.first == "/" {
                throw ShardGlobError(pattern: pattern, offset: chars.firstIndex(of: "{") ?? 0,
                                     message: "an alternative makes the glob absolute; globs are relative to the workspace root")
            }
            alternatives.append(Self.segments(alternative))
        }
        self.alternatives = alternatives
    }

    /// Whether `path` (relative, `/`-separated) matches.
    public func matches(_ path: String) -> Bool {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Array($0) }
        if parts.first == ["."] { parts.removeFirst() }
        return alternatives.contains { Self.match($0, parts) }
    }

    /// The paths among `files` that match, unique, sorted by their UTF-8 bytes (the order of
    /// the source bundle), so shard planning sees the same list on every machine.
    public func expand(_ files: [String]) -> [String] {
        let matching = Set(files.filter(matches))
        return matching.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    // MARK: Compiling

    /// Splits one brace-free alternative into segments and compiles each; `GlobSyntax.validate`
    /// has already vouched for escapes and brackets.
    private static func segments(_ chars: [Character]) -> [Segment] {
        var raw: [[Character]] = [[]]
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\" && i + 1 < chars.count {
                raw[raw.count - 1] += [c, chars[i + 1]]
                i += 2
            } else if c == "[", let cls = try? GlobSyntax.characterClass(chars, from: i, pattern: "") {
                raw[raw.count - 1] += chars[i...cls.end]
                i = cls.end + 1
            } else if c == "/" {
                raw.append([])
                i += 1
            } else {
                raw[raw.count - 1].append(c)
                i += 1
            }
        }
        var result: [Segment] = []
        for (n, part) in raw.enumerated() {
            if part.isEmpty { continue }                              // `a//b`
            if n == 0 && part == ["."] && raw.count > 1 { continue }  // leading `./`
            if part == ["*", "*"] {
                if result.last != .globstar { result.append(.globstar) }
                continue
            }
            result.append(.tokens(tokens(part)))
        }
        // `dir/**` means the files under `dir`, not a file called `dir`.
        if result.last == .globstar { result.append(.tokens([.star])) }
        return result
    }

    private static func tokens(_ chars: [Character]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                i += 1
                tokens.append(.character(chars[i]))
            case "*":
                if tokens.last != .star { tokens.append(.star) }
            case "?":
                tokens.append(.one)
            case "[":
                guard let cls = try? GlobSyntax.characterClass(chars, from: i, pattern: "") else {
                    preconditionFailure("a validated glob has a malformed '[...]'")
                }
                tokens.append(.set(negated: cls.negated, ranges: cls.ranges))
                i = cls.end
            default:
                tokens.append(.character(c))
            }
            i += 1
        }
        return tokens
    }

    // MARK: Matching

    /// Glob-style matching where `globstar` spans any run of whole segments.
    private static func match(_ pattern: [Segment], _ path: [[Character]]) -> Bool {
        var p = 0, s = 0
        var star = -1, starS = 0
        while s < path.count {
            if p < pattern.count {
                switch pattern[p] {
                case .globstar:
                    star = p; starS = s; p += 1
                    continue
                case .tokens(let tokens) where matchSegment(tokens, path[s]):
                    p += 1; s += 1
                    continue
                default: break
                }
            }
            guard star >= 0 else { return false }
            p = star + 1; starS += 1; s = starS
        }
        while p < pattern.count, pattern[p] == .globstar { p += 1 }
        return p == pattern.count
    }

    private static func matchSegment(_ tokens: [Token], _ name: [Character]) -> Bool {
        var t = 0, s = 0
        var star = -1, starS = 0
        while s < name.count {
            if t < tokens.count {
                switch tokens[t] {
                case .star:
                    star = t; starS = s; t += 1
                    continue
                case .one:
                    t += 1; s += 1
                    continue
                case .character(let c) where c == name[s]:
                    t += 1; s += 1
                    continue
                case .set(let negated, let ranges) where ranges.contains(where: { $0.contains(name[s]) }) != negated:
                    t += 1; s += 1
                    continue
                default: break
                }
            }
            guard star >= 0 else { return false }
            t = star + 1; starS += 1; s = starS
        }
        while t < tokens.count, tokens[t] == .star { t += 1 }
        return t == tokens.count
    }
}

/// Why a `shard.files` glob is not valid.
public struct ShardGlobError: Error, Sendable, Equatable, CustomStringConvertible {
    public var pattern: String
    /// Characters from the start of the pattern to the problem.
    public var offset: Int
    public var message: String

    public init(pattern: String, offset: Int, message: String) {
        self.pattern = pattern; self.offset = offset; self.message = message
    }

    public var description: String { "invalid glob '\(pattern)' at offset \(offset): \(message)" }
}
