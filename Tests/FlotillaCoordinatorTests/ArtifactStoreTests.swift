import Foundation
import FlotillaTLS
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaCoordinator

/// Names of the regular files under `directory`, recursively, relative to it.
func filesBelow(_ directory: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
    var files: [String] = []
    while let next = walker.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory + "/" + next, isDirectory: &isDirectory), !isDirectory.boolValue {
            files.append(next)
        }
    }
    return files.sorted()
}

@Suite("Artifact store")
struct ArtifactStoreTests {
    private func upload(_ store: ArtifactStore, _ bytes: [UInt8], chunk: Int = 4) throws -> IncomingArtifact {
        let incoming = try store.beginUpload(expectedSize: UInt64(bytes.count))
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            try incoming.write(Array(bytes[offset..<end]), at: UInt64(offset))
            offset = end
        }
        return incoming
    }

    @Test("verified content lands at sha256/ab/<digest> and the temporary file is gone")
    func storesByDigest() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-store")
        let store = try ArtifactStore(directory: directory.file("artifacts"))
        let bytes = Array("hello artifacts\n".utf8)
        let sha = SHA256Hasher.hash(bytes)
        let incoming = try upload(store, bytes)
        // Until the commit, only the temporary file exists.
        #expect(filesBelow(store.directory) == ["incoming/" + (incoming.temporaryPath.split(separator: "/").last.map(String.init) ?? "")])
        #expect(try store.commit(incoming, claimedSHA256: sha) == .stored)
        #expect(filesBelow(store.directory) == ["sha256/\(sha.prefix(2))/\(sha)"])
        #expect(try store.path(for: sha) == store.directory + "/sha256/\(sha.prefix(2))/\(sha)")
        #expect(FileManager.default.contents(atPath: try store.path(for: sha)) == Data(bytes))
        #expect(store.contains(sha256: sha, size: UInt64(bytes.count)))
        #expect(!store.contains(sha256: sha, size: 1))
    }

    @Test("identical content is stored once")
    func deduplicates() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-store")
        let store = try ArtifactStore(directory: directory.file("artifacts"))
        let bytes = [UInt8](repeating: 7, count: 100)
        let sha = SHA256Hasher.hash(bytes)
        #expect(try store.commit(try upload(store, bytes), claimedSHA256: sha) == .stored)
        #expect(try store.commit(try upload(store, bytes, chunk: 33), claimedSHA256: sha) == .deduplicated)
        #expect(filesBelow(store.directory) == ["sha256/\(sha.prefix(2))/\(sha)"])
    }

    @Test("a checksum or size mismatch stores nothing and leaves no temporary file")
    func mismatches() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-store")
        let store = try ArtifactStore(directory: directory.file("artifacts"))
        let bytes = Array("payload".utf8)
        let wrong = SHA256Hasher.hash(Array("other".utf8))
        #expect(throws: ArtifactStoreError.checksumMismatch(claimed: wrong, received: SHA256Hasher.hash(bytes))) {
            try store.commit(try upload(store, bytes), claimedSHA256: wrong)
        }
        let short = try store.beginUpload(expectedSize: 10)
        try short.write([1, 2, 3], at: 0)
        #expect(throws: ArtifactStoreError.sizeMismatch(expected: 10, received: 3)) {
            try store.commit(short, claimedSHA256: SHA256Hasher.hash([1, 2, 3]))
        }
        #expect(filesBelow(store.directory).isEmpty)
    }

    @Test("chunks must be contiguous and within the announced size")
    func chunkRules() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-store")
        let store = try ArtifactStore(directory: directory.file("artifacts"))
        let incoming = try store.beginUpload(expectedSize: 4)
        try incoming.write([1, 2], at: 0)
        #expect(throws: ArtifactStoreError.unexpectedChunk("chunk at offset 3, expected offset 2")) {
            try incoming.write([3], at: 3)
        }
        #expect(throws: ArtifactStoreError.unexpectedChunk("more than the announced 4 bytes")) {
            try incoming.write([3, 4, 5], at: 2)
        }
        incoming.abort()
        #expect(filesBelow(store.directory).isEmpty)
    }

    @Test("digests from the network cannot name paths outside the store")
    func digestValidation() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-store")
        let store = try ArtifactStore(directory: directory.file("artifacts"))
        for bad in ["../../etc/passwd", String(repeating: "A", count: 64), "abc"] {
            #expect(throws: ArtifactStoreError.invalidDigest(bad)) { try store.path(for: bad) }
        }
    }

    @Test("opening the store removes uploads a previous process left unfinished")
    func clearsStaleUploads() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-store")
        let root = directory.file("artifacts")
        let first = try ArtifactStore(directory: root)
        let abandoned = try first.beginUpload(expectedSize: 3)
        try abandoned.write([1, 2, 3], at: 0)
        #expect(filesBelow(root).count == 1)
        _ = try ArtifactStore(directory: root)
        #expect(filesBelow(root).isEmpty)
    }

    @Test("stored content is opened for reading only with its recorded size")
    func openForReading() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-store")
        let store = try ArtifactStore(directory: directory.file("artifacts"))
        let bytes: [UInt8] = [9, 8, 7]
        let sha = SHA256Hasher.hash(bytes)
        try store.commit(try upload(store, bytes), claimedSHA256: sha)
        let descriptor = try store.openForReading(sha256: sha, size: 3)
        close(descriptor)
        #expect(throws: ArtifactStoreError.self) { try store.openForReading(sha256: sha, size: 4) }
        #expect(throws: ArtifactStoreError.self) { try store.openForReading(sha256: SHA256Hasher.hash([]), size: 0) }
    }
}
