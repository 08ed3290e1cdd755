import Foundation
import Testing
import TestSupport
@testable import FlotillaCore

@Suite("Source bundle extractor")
struct BundleExtractorTests {
    typealias Fixture = BundleFixtures.Directory
    typealias Entry = BundleFixtures.Entry

    /// Writes `bytes` as a bundle and extracts it into a fresh directory.
    private func extract(_ bytes: [UInt8], limits: BundleLimits = BundleLimits()) -> (Result<ExtractionSummary, BundleError>, Fixture) {
        let work = Fixture()
        BundleFixtures.writeBytes(bytes, to: work.path + "/b")
        let result = Result { () throws(BundleError) in
            try SourceBundleExtractor.extract(bundlePath: work.path + "/b", into: work.path + "/x", expectedSHA256: nil, limits: limits)
        }
        return (result, work)
    }

    private func unsafeReason(_ result: Result<ExtractionSummary, BundleError>, entry: String) -> String? {
        guard case .failure(.unsafeEntry(_, let location, let reason)) = result, location.path == entry else { return nil }
        return reason
    }

    @Test func validHandMadeBundleExtracts() throws {
        let (result, work) = extract(BundleFixtures.craft([
            Entry(.file, "a.txt", "alpha"), Entry(.directory, "d"), Entry(.executable, "d2/run", "#!/bin/sh\n"),
            Entry(.symlink, "d2/z", "run"),
        ]))
        #expect(try result.get() == ExtractionSummary(entryCount: 4, contentBytes: 18))
        #expect(BundleFixtures.snapshot(work.path + "/x") == [
            "a.txt": "file:alpha", "d": "dir", "d2": "dir", "d2/run": "exec:#!/bin/sh\n", "d2/z": "link:run",
        ])
    }

    @Test(arguments: [
        ("../x", "'..' path component"), ("/abs", "absolute path"), ("a//b", "empty path component"),
        ("a/./b", "'.' path component"), ("a/..", "'..' path component"), ("dir/", "empty path component"),
    ])
    func traversalPathsAreRefusedNamingTheEntry(path: String, reason: String) {
        let (result, work) = extract(BundleFixtures.craft([Entry(.file, path, "evil")]))
        #expect(unsafeReason(result, entry: path) == reason)
        #expect(!FileManager.default.fileExists(atPath: work.path + "/x/evil"))
        #expect(BundleFixtures.snapshot(work.path + "/x").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: work.path + "/evil"))
    }

    @Test(arguments: [
        ("link", "../outside", "symlink target resolves outside the bundle"),
        ("link", "/etc/passwd", "symlink target is absolute"),
        ("a/link", "b/../../x", "symlink target uses '..' after a directory name"),
        ("a/b/link", "../../../x", "symlink target resolves outside the bundle"),
    ])
    func escapingSymlinksAreRefused(link: String, target: String, reason: String) {
        let (result, work) = extract(BundleFixtures.craft([Entry(.symlink, link, target)]))
        #expect(unsafeReason(result, entry: link) == reason + " (\(target))")
        #expect(!BundleFixtures.exists(work.path + "/x/" + link))
    }

    @Test func symlinksThatStayInsideAreAccepted() throws {
        let (result, work) = extract(BundleFixtures.craft([
            Entry(.symlink, "a/b/link", "../../top"), Entry(.symlink, "a/here", "./b/link"), Entry(.file, "top", "t"),
        ]))
        _ = try result.get()
        #expect(BundleFixtures.readText(work.path + "/x/a/b/link") == "t")
    }

    @Test func entriesAreNeverWrittenThroughASymlink() {
        // A valid link to a directory inside, then a file "through" it: refused, even though
        // the link target itself stays inside the tree.
        let (result, work) = extract(BundleFixtures.craft([
            Entry(.symlink, "d", "real"), Entry(.file, "d/file", "x"), Entry(.directory, "real"),
        ]))
        #expect(unsafeReason(result, entry: "d/file") == "parent 'd' is a symlink or not a directory")
        #expect(!BundleFixtures.exists(work.path + "/x/real/file"))
    }

    @Test func aSymlinkOutsideTheDestinationPlantedBeforehandIsNotFollowed() throws {
        let outside = Fixture()
        let work = Fixture()
        try FileManager.default.createDirectory(atPath: work.path + "/x", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work.path + "/x/d", withDestinationPath: outside.path)
        BundleFixtures.writeBytes(BundleFixtures.craft([Entry(.file, "d/pwned", "x")]), to: work.path + "/b")
        #expect(throws: BundleError.self) {
            try SourceBundleExtractor.extract(bundlePath: work.path + "/b", into: work.path + "/x", expectedSHA256: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: outside.path + "/pwned"))
    }

    @Test func unsortedOrDuplicateEntriesAreMalformed() {
        for entries in [[Entry(.file, "b", "1"), Entry(.file, "a", "2")], [Entry(.file, "a", "1"), Entry(.file, "a", "2")]] {
            let (result, _) = extract(BundleFixtures.craft(entries))
            guard case .failure(.malformed(_, let location, let reason)) = result else {
                Issue.record("expected malformed, got \(result)")
                continue
            }
            #expect(location.index == 1 && reason.contains("strictly increasing"))
        }
    }

    @Test func truncatedBundleNamesTheEntryAndOffset() {
        let full = BundleFixtures.craft([Entry(.file, "a.txt", "alpha"), Entry(.file, "b.txt", String(repeating: "b", count: 100))])
        let cut = Array(full.prefix(full.count - 17 - 50)) // drop the end marker and half of b.txt
        let (result, _) = extract(cut)
        guard case .failure(.truncated(_, let location, let expected)) = result else {
            Issue.record("expected truncated, got \(result)")
            return
        }
        #expect(location.index == 1 && location.path == "b.txt" && location.offset == UInt64(cut.count))
        #expect(expected == "100 bytes of file content")
        #expect(location.description == "entry #1 'b.txt' at byte \(cut.count)")
    }

    @Test func everyProperPrefixOfABundleIsRejected() {
        let full = BundleFixtures.craft([Entry(.file, "a", "xy"), Entry(.symlink, "l", "a"), Entry(.directory, "z")])
        for length in 0..<full.count {
            let (result, _) = extract(Array(full.prefix(length)))
            if case .success = result { Issue.record("prefix of \(length) bytes was accepted") }
        }
        let (whole, _) = extract(full)
        #expect((try? whole.get()) != nil)
    }

    @Test func garbageIsRejectedWithTypedErrors() {
        let (notBundle, _) = extract(Array("PK\u{3}\u{4} definitely a zip".utf8))
        #expect(notBundle == .failure(.notABundle(path: notBundle.pathForTest, reason: "missing FLOTBNDL magic")))
        let (trailing, _) = extract(BundleFixtures.craft([Entry(.file, "a", "1")]) + [0])
        guard case .failure(.malformed(_, _, "data after the end marker")) = trailing else {
            Issue.record("expected trailing data to be refused, got \(trailing)")
            return
        }
        let (kind, _) = extract(BundleFixtures.craft([Entry(rawKind: 9, path: Array("a".utf8), data: [])]))
        guard case .failure(.malformed(_, _, "unknown entry kind 9")) = kind else {
            Issue.record("expected unknown kind to be refused, got \(kind)")
            return
        }
        let (endCount, _) = extract(BundleFixtures.craft([Entry(.file, "a", "1")], endMarker: false)
                                    + [0] + BigEndian.bytes(UInt64(2)) + BigEndian.bytes(UInt64(1)))
        guard case .failure(.malformed) = endCount else {
            Issue.record("expected a wrong end count to be refused, got \(endCount)")
            return
        }
    }

    @Test func seededRandomBodiesNeverCrash() {
        var random = SplitMix64(seed: 0xF107_111A)
        for _ in 0..<200 {
            let body = random.bytes(Int(random.next() % 300))
            _ = extract(SourceBundleFormat.magic + BigEndian.bytes(SourceBundleFormat.version) + body)
        }
    }

    @Test func limitsAreEnforcedWhileExtracting() {
        let bytes = BundleFixtures.craft([Entry(.file, "a", "12345"), Entry(.file, "b", "67890")])
        let (entries, _) = extract(bytes, limits: BundleLimits(maxEntries: 1))
        guard case .failure(.limitExceeded("entries", 1, _)) = entries else {
            Issue.record("expected entry limit, got \(entries)")
            return
        }
        let (total, _) = extract(bytes, limits: BundleLimits(maxTotalBytes: 9))
        guard case .failure(.limitExceeded("bytes of content", 9, let context)) = total else {
            Issue.record("expected byte limit, got \(total)")
            return
        }
        #expect(context.contains("entry #1 'b'"))
    }

    @Test func wrongHashIsRefusedBeforeAnythingIsWritten() throws {
        let source = Fixture()
        source.write("a.txt", "a")
        let work = Fixture()
        let info = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: work.path + "/b")
        let wrong = String(repeating: "0", count: 64)
        #expect(throws: BundleError.hashMismatch(path: work.path + "/b", expected: wrong, actual: info.sha256)) {
            try SourceBundleExtractor.extract(bundlePath: work.path + "/b", into: work.path + "/x", expectedSHA256: wrong)
        }
        #expect(!FileManager.default.fileExists(atPath: work.path + "/x"))
        #expect(throws: BundleError.invalidDigest("ABC")) {
            try SourceBundleExtractor.extract(bundlePath: work.path + "/b", into: work.path + "/x", expectedSHA256: "ABC")
        }
        try SourceBundleExtractor.extract(bundlePath: work.path + "/b", into: work.path + "/x", expectedSHA256: info.sha256)
        #expect(BundleFixtures.readText(work.path + "/x/a.txt") == "a")
    }
}

extension Result where Failure == BundleError {
    /// The bundle path a failure names (for building expected values).
    fileprivate var pathForTest: String {
        if case .failure(.notABundle(let path, _)) = self { return path }
        return ""
    }
}
