import Testing
@testable import FlotillaAgent

@Suite("Artifact patterns")
struct ArtifactPatternTests {
    private func glob(_ pattern: String) -> NameGlob { NameGlob(Array(pattern.utf8)) }

    @Test("name globs: *, ?, classes, escapes", arguments: [
        ("*.xml", "junit.xml", true), ("*.xml", "junit.xml.bak", false), ("*.xml", ".xml", true),
        ("TEST-*-*.xml", "TEST-a-b.xml", true), ("TEST-*-*.xml", "TEST-ab.xml", false),
        ("?.log", "a.log", true), ("?.log", "ab.log", false),
        ("[abc].txt", "b.txt", true), ("[abc].txt", "d.txt", false),
        ("[a-c]*", "cat", true), ("[!a-c]*", "cat", false), ("[^a-c]*", "dog", true),
        ("[]]", "]", true), ("[a-]", "-", true), ("[", "[", true), ("a[", "a[", true),
        ("\\*", "*", true), ("\\*", "x", false), ("*", "anything", true), ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false), ("**x", "yyx", true),
    ])
    func nameGlobs(_ pattern: String, _ name: String, _ expected: Bool) {
        #expect(glob(pattern).matches(Array(name.utf8)) == expected, "\(pattern) vs \(name)")
    }

    @Test("components: literal, wildcard and ** are told apart; . and empty components dropped")
    func components() throws {
        let pattern = try ArtifactPattern("./build//**/reports/*.xml")
        #expect(pattern.components.count == 4)
        #expect(pattern.components[0] == .literal("build"))
        #expect(pattern.components[1] == .anyDirectories)
        #expect(pattern.components[2] == .literal("reports"))
        guard case .wildcard = pattern.components[3] else { Issue.record("not a wildcard"); return }
        #expect(!pattern.isLiteral)
        #expect(try ArtifactPattern("out/report.xml").isLiteral)
        #expect(try ArtifactPattern("a/**/**/b").components == [.literal("a"), .anyDirectories, .literal("b")])
        #expect(try ArtifactPattern("a\\*b").components == [.literal("a*b")])
    }

    @Test("unsafe or empty patterns are refused with a reason", arguments: [
        ("/etc/passwd", "absolute paths are not allowed"),
        ("../secret", "'..' is not allowed"),
        ("build/../../x", "'..' is not allowed"),
        ("a/b/..", "'..' is not allowed"),
        ("", "the path is empty"),
        (".", "names the workspace itself"),
        ("./", "names the workspace itself"),
    ])
    func refused(_ text: String, _ reason: String) {
        #expect(throws: ArtifactPatternError.self) { try ArtifactPattern(text) }
        do {
            _ = try ArtifactPattern(text)
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test("braces expand into alternatives, nested and in order")
    func braces() throws {
        #expect(try ArtifactPattern.expandingBraces("out/*.{xml,json}") == ["out/*.xml", "out/*.json"])
        #expect(try ArtifactPattern.expandingBraces("{a,b}/{c,d}") == ["a/c", "a/d", "b/c", "b/d"])
        #expect(try ArtifactPattern.expandingBraces("x{a,{b,c}}y") == ["xay", "xby", "xcy"])
        #expect(try ArtifactPattern.expandingBraces("{solo}.txt") == ["{solo}.txt"])
        #expect(try ArtifactPattern.expandingBraces("a{b") == ["a{b"])
        #expect(try ArtifactPattern.expandingBraces("\\{a,b}") == ["\\{a,b}"])
        let many = String(repeating: "{a,b}", count: 7) // 128 alternatives
        #expect(throws: ArtifactPatternError.tooManyAlternatives(ArtifactPattern.maxBraceExpansions)) {
            try ArtifactPattern.expandingBraces(many)
        }
    }
}
