import Foundation
import Testing
@testable import FlotillaCore

@Suite("Bundle cache and content-addressed writer")
struct BundleCacheTests {
    typealias Fixture = BundleFixtures.Directory

    /// A real bundle and its digest, to feed through writers.
    private func sampleBundle(in work: Fixture) throws -> (bytes: [UInt8], info: BundleInfo) {
        let source = Fixture()
        source.write("a.txt", String(repeating: "a", count: 70_000))
        source.write("b.txt", "b")
        let info = try SourceBundleBuilder.build(sourceDirectory: source.path, outputPath: work.path + "/sample")
        return (BundleFixtures.readBytes(work.path + "/sample"), info)
    }

    private func leftovers(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".partial-") }
    }

    @Test func chunksInOrderAreVerifiedAndMovedIntoPlace() throws {
        let work = Fixture()
        let (bytes, info) = try sampleBundle(in: work)
        let cache = try BundleCache(directory: work.path + "/cache/nested")
        #expect(!cache.contains(info.sha256))
        let writer = try cache.beginWrite(sha256: info.sha256, size: info.size)
        var offset = 0
        while offset < bytes.count {
            let piece = Array(bytes[offset..<min(bytes.count, offset + 25_000)])
            try writer.write(piece, at: UInt64(offset))
            #expect(!cache.contains(info.sha256), "not visible before finish")
            offset += piece.count
        }
        try writer.finish()
        #expect(cache.contains(info.sha256))
        #expect(BundleFixtures.readBytes(try cache.path(for: info.sha256)) == bytes)
        #expect(leftovers(cache.directory).isEmpty)
        #expect(throws: BundleError.writerClosed(path: try cache.path(for: info.sha256))) {
            try writer.write([1], at: UInt64(bytes.count))
        }
        try SourceBundleExtractor.extract(bundlePath: try cache.path(for: info.sha256), into: work.path + "/x",
                                          expectedSHA256: info.sha256)
    }

    @Test func hashMismatchRemovesTheTemporaryFile() throws {
        let work = Fixture()
        let (bytes, info) = try sampleBundle(in: work)
        let cache = try BundleCache(directory: work.path + "/cache")
        var corrupted = bytes
        corrupted[100] ^= 0xFF
        let writer = try cache.beginWrite(sha256: info.sha256, size: info.size)
        try writer.write(corrupted, at: 0)
        #expect {
            try writer.finish()
        } throws: { error in
            guard case BundleError.hashMismatch(_, let expected, let actual)? = error as? BundleError else { return false }
            return expected == info.sha256 && actual != info.sha256
        }
        #expect(!cache.contains(info.sha256))
        #expect(leftovers(cache.directory).isEmpty)
    }

    @Test func outOfOrderChunkAndOversizeAreRefused() throws {
        let work = Fixture()
        let (bytes, info) = try sampleBundle(in: work)
        let destination = work.path + "/artifact"

        let skipping = try ContentAddressedFileWriter(destinationPath: destination, expectedSHA256: info.sha256, expectedSize: info.size)
        try skipping.write(Array(bytes.prefix(10)), at: 0)
        #expect(throws: BundleError.unexpectedOffset(path: destination, expected: 10, received: 20)) {
            try skipping.write(Array(bytes[20..<30]), at: 20)
        }
        #expect(!skipping.isOpen)

        let growing = try ContentAddressedFileWriter(destinationPath: destination, expectedSHA256: info.sha256, expectedSize: 5)
        #expect(throws: BundleError.sizeMismatch(path: destination, expected: 5, actual: 6)) {
            try growing.write([1, 2, 3, 4, 5, 6], at: 0)
        }

        let short = try ContentAddressedFileWriter(destinationPath: destination, expectedSHA256: info.sha256, expectedSize: info.size)
        try short.write(Array(bytes.prefix(10)), at: 0)
        #expect(throws: BundleError.sizeMismatch(path: destination, expected: info.size, actual: 10)) {
            try short.finish()
        }

        let abandoned = try ContentAddressedFileWriter(destinationPath: destination, expectedSHA256: info.sha256, expectedSize: info.size)
        try abandoned.write(Array(bytes.prefix(10)), at: 0)
        abandoned.abort()
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(leftovers(work.path).isEmpty)
    }

    @Test func digestsThatCouldEscapeTheCacheAreRefused() throws {
        let work = Fixture()
        let cache = try BundleCache(directory: work.path + "/cache")
        for bad in ["../../etc/passwd", "", String(repeating: "A", count: 64), String(repeating: "a", count: 63) + "/"] {
            #expect(throws: BundleError.invalidDigest(bad)) { try cache.path(for: bad) }
            #expect(!cache.contains(bad))
            #expect(throws: BundleError.invalidDigest(bad)) { try cache.beginWrite(sha256: bad, size: 1) }
        }
        let good = String(repeating: "ab", count: 32)
        #expect(try cache.path(for: good) == work.path + "/cache/" + good + ".bundle")
        try cache.remove(good) // absent is fine
    }
}
