import Foundation
import Testing
@testable import FlotillaCore

@Suite("Source bundle builder")
struct BundleBuilderTests {
    typealias Fixture = BundleFixtures.Directory

    private func roundTrip(_ source: Fixture, limits: BundleLimits = BundleLimits()) throws -> (BundleInfo, [String: String]) {
        let out = Fixture()
        let info = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: out.path + "/b.bundle", limits: limits)
        try SourceBundleExtractor.extract(bundlePath: out.path + "/b.bundle", into: out.path + "/x", expectedSHA256: info.sha256)
        return (info, BundleFixtures.snapshot(out.path + "/x"))
    }

    @Test func plainDirectoryRoundTripKeepsFilesModesLinksAndEmptyDirectories() throws {
        let source = Fixture()
        source.write("README.md", "hello\n")
        source.write("src/main.swift", "print(1)\n")
        source.write("scripts/run.sh", "#!/bin/sh\necho hi\n", executable: true)
        source.symlink("src/link", to: "main.swift")
        source.symlink("scripts/up", to: "../README.md")
        source.makeDirectory("empty/inner")
        source.write(".git/config", "[core]\n")
        source.write(".flotilla/state", "x")
        source.write(".build/debug/out", "x")
        source.write("pkg/.build-linux/out", "x")
        source.write(".github/workflows/ci.yml", "on: push\n")

        let (info, tree) = try roundTrip(source)

        #expect(info.sourceRevision == "")
        #expect(tree == [
            "README.md": "file:hello\n",
            "src": "dir", "src/main.swift": "file:print(1)\n", "src/link": "link:main.swift",
            "scripts": "dir", "scripts/run.sh": "exec:#!/bin/sh\necho hi\n", "scripts/up": "link:../README.md",
            "empty": "dir", "empty/inner": "dir",
            "pkg": "dir",
            ".github": "dir", ".github/workflows": "dir", ".github/workflows/ci.yml": "file:on: push\n",
        ])
        #expect(info.fileCount == 8) // 6 files and links, empty/inner, pkg (emptied by the skip)
    }

    @Test func buildIsDeterministicAcrossCopiesAndTimes() throws {
        let first = Fixture()
        let second = Fixture()
        for fixture in [first, second] {
            fixture.write("b.txt", "bee")
            fixture.write("a/z.txt", "zed")
            fixture.write("a/y.txt", "why", executable: true)
        }
        // Different modification times and permission bits other than "executable" must not matter.
        chmod(second.path + "/b.txt", 0o600)
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        utimensat(AT_FDCWD, second.path + "/a/z.txt", &times, 0)
        let out = Fixture()
        let one = try SourceBundleBuilder.build(sourceDirectory: first.path, outputPath: out.path + "/1")
        let two = try SourceBundleBuilder.build(sourceDirectory: second.path, outputPath: out.path + "/2")
        let again = try SourceBundleBuilder.build(sourceDirectory: first.path, outputPath: out.path + "/3")
        #expect(one.sha256 == two.sha256)
        #expect(one == again)
        #expect(BundleFixtures.readBytes(out.path + "/1") == BundleFixtures.readBytes(out.path + "/2"))
        #expect(one.size == UInt64(BundleFixtures.readBytes(out.path + "/1").count))
        #expect(one.sha256.count == 64)

        second.write("b.txt", "bee!")
        let changed = try SourceBundleBuilder.build(sourceDirectory: second.path, outputPath: out.path + "/4")
        #expect(changed.sha256 != one.sha256)
    }

    @Test func outputInsideTheSourceIsNotBundled() throws {
        let source = Fixture()
        source.write("a.txt", "a")
        let first = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: source.path + "/out.bundle")
        let second = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: source.path + "/out.bundle")
        #expect(first.sha256 == second.sha256)
        #expect(first.fileCount == 1)
    }

    @Test(.enabled(if: BundleFixtures.gitAvailable))
    func gitCheckoutBundlesTrackedModifiedAndUntrackedButNotIgnoredOrDeleted() throws {
        let repo = Fixture()
        BundleFixtures.git(["init", "-q"], in: repo.path)
        repo.write(".gitignore", "*.log\nbuild/\n")
        repo.write("tracked.txt", "tracked\n")
        repo.write("modified.txt", "old\n")
        repo.write("deleted.txt", "gone\n")
        repo.write("tool.sh", "#!/bin/sh\n", executable: true)
        repo.write("sub/inner.txt", "inner\n")
        BundleFixtures.git(["add", "-A"], in: repo.path)
        BundleFixtures.git(["commit", "-q", "-m", "initial"], in: repo.path)
        let head = BundleFixtures.git(["rev-parse", "HEAD"], in: repo.path)

        let (clean, _) = try roundTrip(repo)
        #expect(clean.sourceRevision == head)

        repo.write("modified.txt", "new contents\n")
        repo.remove("deleted.txt")
        repo.write("untracked.txt", "untracked\n")
        repo.write("debug.log", "ignored\n")
        repo.write("build/out.o", "ignored\n")
        repo.write(".flotilla/pki/agent.key", "secret\n")
        let (dirty, tree) = try roundTrip(repo)

        #expect(dirty.sourceRevision == head + "-dirty")
        #expect(tree == [
            ".gitignore": "file:*.log\nbuild/\n",
            "tracked.txt": "file:tracked\n",
            "modified.txt": "file:new contents\n",
            "tool.sh": "exec:#!/bin/sh\n",
            "untracked.txt": "file:untracked\n",
            "sub": "dir", "sub/inner.txt": "file:inner\n",
        ])
        #expect(dirty.fileCount == 6)
    }

    @Test(.enabled(if: BundleFixtures.gitAvailable))
    func gitSubdirectoryBundlesOnlyThatDirectoryWithRelativePaths() throws {
        let repo = Fixture()
        BundleFixtures.git(["init", "-q"], in: repo.path)
        repo.write("top.txt", "top")
        repo.write("app/Package.swift", "// package")
        repo.write("app/Sources/main.swift", "main")
        BundleFixtures.git(["add", "-A"], in: repo.path)
        BundleFixtures.git(["commit", "-q", "-m", "initial"], in: repo.path)
        let out = Fixture()
        let info = try SourceBundleBuilder.build(sourceDirectory: repo.path + "/app", outputPath: out.path + "/b")
        try SourceBundleExtractor.extract(bundlePath: out.path + "/b", into: out.path + "/x", expectedSHA256: nil)
        #expect(BundleFixtures.snapshot(out.path + "/x") == [
            "Package.swift": "file:// package", "Sources": "dir", "Sources/main.swift": "file:main",
        ])
        #expect(info.sourceRevision == BundleFixtures.git(["rev-parse", "HEAD"], in: repo.path))
    }

    @Test func symlinkPointingOutsideTheSourceIsRefusedNamingIt() throws {
        let source = Fixture()
        source.write("a.txt", "a")
        source.symlink("passwd", to: "/etc/passwd")
        let out = Fixture()
        #expect {
            try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: out.path + "/b")
        } throws: { error in
            guard case BundleError.unsupportedSource(let path, let reason)? = error as? BundleError else { return false }
            return path.hasSuffix("/passwd") && reason.contains("absolute")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path + "/b"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty) // no temporary left
    }

    @Test func limitsOnEntriesAndBytesAreEnforced() throws {
        let source = Fixture()
        source.write("a", "12345")
        source.write("b", "67890")
        let out = Fixture()
        #expect(throws: BundleError.self) {
            try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: out.path + "/1",
                                          limits: BundleLimits(maxEntries: 1))
        }
        #expect {
            try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: out.path + "/2",
                                          limits: BundleLimits(maxTotalBytes: 9))
        } throws: { error in
            guard case BundleError.limitExceeded(let what, 9, let context)? = error as? BundleError else { return false }
            return what == "bytes of content" && context.hasSuffix("at b")
        }
        let fits = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: out.path + "/3",
                                                 limits: BundleLimits(maxEntries: 2, maxTotalBytes: 10))
        #expect(fits.fileCount == 2)
    }

    @Test func missingSourceDirectoryIsAnError() {
        let out = Fixture()
        #expect(throws: BundleError.sourceIO(path: out.path + "/nope", call: "realpath", errno: ENOENT)) {
            try SourceBundleBuilder.build(sourceDirectory: out.path + "/nope", outputPath: out.path + "/b")
        }
    }
}
