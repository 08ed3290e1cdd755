import Testing
import FlotillaCore
import TestSupport

/// `ShardGlob`: the `shard.files` pattern language.
@Suite("Shard globs")
struct ShardGlobTests {
    static let matching: [(String, String, Bool)] = [
        ("tests/*.py", "tests/test_a.py", true),
        ("tests/*.py", "tests/unit/test_a.py", false),
        ("tests/**/*.py", "tests/test_a.py", true),
        ("tests/**/*.py", "tests/unit/deep/test_a.py", true),
        ("tests/**/*.py", "src/test_a.py", false),
        ("**/*Tests.swift", "Tests/CoreTests/PlanTests.swift", true),
        ("**/*Tests.swift", "PlanTests.swift", true),
        ("**", "any/thing/at/all", true),
        ("tests/**", "tests/a/b", true),
        ("tests/**", "tests", false),
        ("a/**/b/**/c", "a/b/c", true),
        ("a/**/b/**/c", "a/x/b/y/z/c", true),
        ("a/**/b/**/c", "a/x/c", false),
        ("test_?.py", "test_1.py", true),
        ("test_?.py", "test_12.py", false),
        ("t[0-9][!a-c].py", "t5d.py", true),
        ("t[0-9][!a-c].py", "t5b.py", false),
        ("t[]x].py", "t].py", true),
        ("{src,tests}/**/*.{c,h}", "tests/x/y.h", true),
        ("{src,tests}/**/*.{c,h}", "lib/x/y.h", false),
        ("{a/b,c}/*.txt", "a/b/x.txt", true),
        ("{a,{b,c}}.txt", "c.txt", true),
        ("./tests/*.py", "tests/a.py", true),
        ("tests//*.py", "tests/a.py", true),
        ("*", ".hidden", true),
        ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false),
        ("a**b", "aXYb", true),
        ("a**b", "aX/Yb", false),
        ("*.PY", "x.py", false),
        ("*a*a*a*a*b", String(repeating: "a", count: 60), false),
    ]

    @Test(arguments: ShardGlobTests.matching.indices)
    func matches(_ index: Int) throws {
        let (pattern, path, expected) = Self.matching[index]
        #expect(try ShardGlob(pattern).matches(path) == expected, "\(pattern) vs \(path)")
    }

    static let invalid: [(String, Int, String)] = [
        ("", 0, "the glob is empty"),
        ("/etc/*.conf", 0, "the glob is absolute; globs are relative to the workspace root"),
        ("tests/../secrets/*", 6, "'..' is not allowed; the glob must stay inside the workspace"),
        ("{..,x}/a", 1, "'..' is not allowed; the glob must stay inside the workspace"),
        ("tests/..", 6, "'..' is not allowed; the glob must stay inside the workspace"),
        ("tests/[a-", 6, "'[' is never closed by ']'; write '\\[' for a literal bracket"),
        ("tests/[z-a].py", 7, "the range 'z-a' is reversed"),
        ("t[a/b]", 3, "'/' cannot appear inside '[...]'; a class matches one character of a name"),
        ("{a,b", 0, "'{' is never closed by '}'; write '\\{' for a literal brace"),
        ("a}b", 1, "'}' has no matching '{'; write '\\}' for a literal brace"),
        ("tests\\", 5, "the glob ends with a lone '\\'"),
        ("tests/", 5, "the glob ends with '/' but matches files; write 'tests/**' for everything under it"),
        ("{x,/etc}/*", 0, "an alternative makes the glob absolute; globs are relative to the workspace root"),
        ("{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}{u,v}", 50,
         "the '{...}' alternatives expand to more than 1024 patterns"),
    ]

    @Test(arguments: ShardGlobTests.invalid.indices)
    func rejects(_ index: Int) {
        let (pattern, offset, message) = Self.invalid[index]
        #expect(throws: ShardGlobError(pattern: pattern, offset: offset, message: message)) { try ShardGlob(pattern) }
    }

    @Test func expandSortsByBytesAndDeduplicates() throws {
        let files = ["tests/b_test.py", "tests/B_test.py", "src/a.py", "tests/a_test.py", "tests/b_test.py", "tests/é_test.py"]
        #expect(try ShardGlob("tests/*_test.py").expand(files) == ["tests/B_test.py", "tests/a_test.py", "tests/b_test.py", "tests/é_test.py"])
    }

    /// Random patterns and paths: compiling and matching end in a value, never a crash or hang.
    @Test func randomPatternsNeverCrash() {
        var rng = SplitMix64(seed: 0x5A4D)
        let alphabet: [Character] = ["a", "b", "/", "*", "?", "[", "]", "!", "-", "{", "}", ",", "\\", ".", "^"]
        var compiled = 0
        for _ in 0..<3_000 {
            let pattern = String((0..<Int(rng.next() % 14)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            let path = String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % 4)] })
            guard let glob = try? ShardGlob(pattern) else { continue }
            compiled += 1
            _ = glob.matches(path)
        }
        #expect(compiled > 100)
    }
}
