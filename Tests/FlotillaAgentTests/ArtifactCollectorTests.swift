#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaAgent

/// A workspace on disk for collector tests: `root/src` is the source directory, `root/outside` is not.
private final class Workspace {
    let directory: TemporaryDirectory
    let source: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "flotilla-artifacts")
        source = try directory.makeDirectory("src")
        _ = try directory.makeDirectory("outside")
        _ = try directory.write("top secret\n", to: "outside/secret.txt")
    }

    func file(_ relative: String, _ contents: String = "x") throws {
        let parts = relative.split(separator: "/")
        if parts.count > 1 { _ = try directory.makeDirectory("src/" + parts.dropLast().joined(separator: "/")) }
        _ = try directory.write(contents, to: "src/" + relative)
    }

    func link(_ relative: String, to target: String) {
        let result = symlink(target, source + "/" + relative)
        precondition(result == 0, "symlink \(relative) failed")
    }

    func collect(_ requests: [ArtifactRequest], maxBytes: UInt64 = 1 << 30, maxFiles: Int = 10_000) -> ArtifactCollection {
        ArtifactCollector(sourceDirectory: source, maxBytes: maxBytes, maxFiles: maxFiles).collect(requests)
    }
}

@Suite("Artifact collection")
struct ArtifactCollectorTests {
    @Test("globs expand against the source directory: *, ?, **, classes; files only; sorted")
    func globExpansion() throws {
        let ws = try Workspace()
        for path in ["build/reports/b.xml", "build/reports/a.xml", "build/reports/notes.txt", "build/deep/x/y/c.xml",
                     "top.xml", "log1.txt", "log2.txt", "log10.txt", "logs.xml/inner.txt"] {
            try ws.file(path)
        }
        func paths(_ pattern: String) -> [String] {
            ws.collect([ArtifactRequest(path: pattern)]).artifacts.map(\.relativePath)
        }
        #expect(paths("build/reports/*.xml") == ["build/reports/a.xml", "build/reports/b.xml"])
        #expect(paths("**/*.xml") == ["build/deep/x/y/c.xml", "build/reports/a.xml", "build/reports/b.xml", "top.xml"])
        #expect(paths("build/**") == ["build/deep/x/y/c.xml", "build/reports/a.xml", "build/reports/b.xml",
                                      "build/reports/notes.txt"])
        #expect(paths("log?.txt") == ["log1.txt", "log2.txt"])
        #expect(paths("log[0-9][0-9].txt") == ["log10.txt"])
        #expect(paths("log[!1].txt") == ["log2.txt"])
        // `logs.xml` is a directory: not a file, so `*.xml` does not match it.
        #expect(paths("*.xml") == ["top.xml"])
        #expect(paths("build/reports/{a,b}.xml") == ["build/reports/a.xml", "build/reports/b.xml"])
        #expect(paths("./build/reports/a.xml") == ["build/reports/a.xml"])
    }

    @Test("a literal path takes the entry's name; glob matches keep their base names")
    func naming() throws {
        let ws = try Workspace()
        try ws.file("out/coverage.xml", "<coverage/>")
        try ws.file("out/r1.xml")
        try ws.file("out/my report.xml")
        let collection = ws.collect([
            ArtifactRequest(path: "out/coverage.xml", name: "cov", kind: .coverage),
            ArtifactRequest(path: "out/r*.xml", name: "reports", kind: .junit),
            ArtifactRequest(path: "out/my*", name: ""),
        ])
        #expect(collection.refusals.isEmpty, "\(collection.refusals)")
        #expect(collection.artifacts.map(\.name) == ["cov", "r1.xml", "my_report.xml"])
        #expect(collection.artifacts.map(\.relativePath) == ["out/coverage.xml", "out/r1.xml", "out/my_report.xml"])
        #expect(collection.artifacts.map(\.kind) == [.coverage, .junit, .file])
        #expect(collection.artifacts[0].size == 11)
        #expect(collection.artifacts.map { $0.path.hasPrefix("/") } == [true, true, true])
        #expect(collection.artifacts[2].path.hasSuffix("/src/out/my report.xml"))
    }

    @Test("absolute and '..' patterns are refused, naming the path")
    func unsafePatterns() throws {
        let ws = try Workspace()
        try ws.file("ok.txt")
        let collection = ws.collect([
            ArtifactRequest(path: "/etc/passwd"),
            ArtifactRequest(path: "../outside/secret.txt"),
            ArtifactRequest(path: "a/../../outside/secret.txt"),
            ArtifactRequest(path: "ok.txt"),
        ])
        #expect(collection.artifacts.map(\.relativePath) == ["ok.txt"])
        #expect(collection.refusals.map(\.path) == ["/etc/passwd", "../outside/secret.txt", "a/../../outside/secret.txt"])
        #expect(collection.refusals[0].reason.contains("absolute"))
        #expect(collection.refusals[1].reason.contains("'..'"))
        #expect(collection.refusals[2].reason.contains("'..'"))
    }

    @Test("a symlink escaping the workspace refuses its whole entry and names the link")
    func escapingSymlink() throws {
        let ws = try Workspace()
        try ws.file("out/a.txt")
        ws.link("out/leak.txt", to: ws.directory.file("outside/secret.txt"))
        ws.link("relative-leak.txt", to: "../outside/secret.txt")
        let collection = ws.collect([
            ArtifactRequest(path: "out/*.txt"),
            ArtifactRequest(path: "relative-leak.txt"),
        ])
        #expect(collection.artifacts.isEmpty, "\(collection.artifacts)")
        #expect(collection.refusals.map(\.path) == ["out/leak.txt", "relative-leak.txt"])
        for refusal in collection.refusals {
            #expect(refusal.reason.contains("symlink resolving outside the workspace"), "\(refusal.reason)")
        }
    }

    @Test("a symlinked directory leading outside is refused; ** does not follow symlinked directories")
    func escapingDirectoryLink() throws {
        let ws = try Workspace()
        try ws.file("real/inside.txt")
        ws.link("escape", to: ws.directory.file("outside"))
        let refused = ws.collect([ArtifactRequest(path: "escape/secret.txt")])
        #expect(refused.artifacts.isEmpty)
        #expect(refused.refusals.map(\.path) == ["escape"])
        #expect(refused.refusals.first?.reason.contains("outside the workspace") == true)
        let walked = ws.collect([ArtifactRequest(path: "**/*.txt")])
        #expect(walked.artifacts.map(\.relativePath) == ["real/inside.txt"])
        #expect(walked.refusals.isEmpty)
    }

    @Test("a symlink that stays inside the workspace is collected from its real file")
    func insideSymlink() throws {
        let ws = try Workspace()
        try ws.file("build/result.json", "{\"ok\":true}")
        ws.link("latest.json", to: "build/result.json")
        ws.link("linkdir", to: "build")
        let collection = ws.collect([
            ArtifactRequest(path: "latest.json", name: "latest"),
            ArtifactRequest(path: "linkdir/result.json"),
        ])
        #expect(collection.refusals.isEmpty, "\(collection.refusals)")
        #expect(collection.artifacts.map(\.name) == ["latest", "result.json"])
        #expect(collection.artifacts.map(\.relativePath) == ["latest.json", "linkdir/result.json"])
        // Both are read from the real file.
        #expect(collection.artifacts.allSatisfy { $0.path.hasSuffix("/src/build/result.json") && $0.size == 11 })
    }

    @Test("a path matched by two entries is collected once, for the first")
    func overlappingEntries() throws {
        let ws = try Workspace()
        try ws.file("out/a.xml")
        try ws.file("out/b.xml")
        let collection = ws.collect([ArtifactRequest(path: "out/a.xml", name: "first", kind: .junit),
                                     ArtifactRequest(path: "out/*.xml")])
        #expect(collection.artifacts.map(\.name) == ["first", "b.xml"])
        #expect(collection.artifacts.map(\.kind) == [.junit, .file])
    }

    @Test("entries over the per-job byte limit are refused with the path; earlier ones stay collected")
    func byteLimit() throws {
        let ws = try Workspace()
        try ws.file("small.bin", String(repeating: "s", count: 600))
        try ws.file("big/one.bin", String(repeating: "b", count: 300))
        try ws.file("big/two.bin", String(repeating: "b", count: 300))
        try ws.file("fits.bin", String(repeating: "f", count: 400))
        let collection = ws.collect([
            ArtifactRequest(path: "small.bin"),
            ArtifactRequest(path: "big/*.bin"),
            ArtifactRequest(path: "fits.bin"),
        ], maxBytes: 1_000)
        #expect(collection.artifacts.map(\.relativePath) == ["small.bin", "fits.bin"])
        #expect(collection.totalBytes == 1_000)
        #expect(collection.refusals.map(\.path) == ["big/*.bin"])
        #expect(collection.refusals.first?.reason == "600 bytes would exceed the per-job artifact limit of 1000 bytes "
                + "(600 bytes already collected)")
    }

    @Test("missing files, directories and too many files are reported")
    func nothingToCollect() throws {
        let ws = try Workspace()
        try ws.file("dir/a.txt")
        try ws.file("dir/b.txt")
        let collection = ws.collect([
            ArtifactRequest(path: "missing.txt"),
            ArtifactRequest(path: "*.none"),
            ArtifactRequest(path: "dir"),
            ArtifactRequest(path: "dir/*.txt"),
        ], maxFiles: 1)
        #expect(collection.artifacts.isEmpty)
        #expect(collection.refusals.map(\.path) == ["missing.txt", "*.none", "dir", "dir/*.txt"])
        #expect(collection.refusals[0].reason == "no such file in the workspace")
        #expect(collection.refusals[1].reason == "no file in the workspace matches")
        #expect(collection.refusals[2].reason.contains("is a directory; use 'dir/**'"))
        #expect(collection.refusals[3].reason == "2 files would exceed the per-job limit of 1 artifact files (0 already collected)")
    }

    @Test("a dangling symlink named explicitly is refused")
    func danglingLink() throws {
        let ws = try Workspace()
        ws.link("gone.txt", to: "nowhere.txt")
        let collection = ws.collect([ArtifactRequest(path: "gone.txt")])
        #expect(collection.artifacts.isEmpty)
        #expect(collection.refusals == [ArtifactRefusal(path: "gone.txt", reason: "is a symlink whose target does not exist")])
    }
}
