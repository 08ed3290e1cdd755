import Foundation
import Testing
import FlotillaTLS

@Suite("SHA-256")
struct SHA256Tests {
    @Test("known vectors")
    func vectors() {
        #expect(SHA256Hasher.hash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hasher.hash(Array("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hasher = SHA256Hasher()
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(block) }
        #expect(SHA256Hasher.hex(hasher.finalize())
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("streaming in uneven pieces equals one-shot, and finalize resets")
    func streaming() {
        let data = patternBytes(count: 200_003, seed: 99)
        let hasher = SHA256Hasher()
        var offset = 0
        var size = 1
        while offset < data.count {
            let end = min(offset + size, data.count)
            data.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
            offset = end
            size = size * 3 + 1
        }
        let digest = hasher.finalize()
        #expect(digest.count == 32)
        #expect(SHA256Hasher.hex(digest) == SHA256Hasher.hash(data))
        #expect(SHA256Hasher.hex(hasher.finalize()) == SHA256Hasher.hash([]))
    }

    @Test("hex is lower-case, two digits per byte")
    func hex() {
        #expect(SHA256Hasher.hex([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
    }

    @Test("hashFile matches hashing the bytes, and names a missing file")
    func hashFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("artifact.bin")
        let data = patternBytes(count: 300_000, seed: 3)
        try Data(data).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256Hasher.hashFile(path: path) == SHA256Hasher.hash(data))

        let empty = directory.file("empty")
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(try SHA256Hasher.hashFile(path: empty) == SHA256Hasher.hash([]))

        let missing = directory.file("missing")
        #expect(throws: FileHashError.cannotOpen(path: missing, errno: ENOENT)) {
            _ = try SHA256Hasher.hashFile(path: missing)
        }
    }

    @Test("secureRandomBytes returns the requested count and varies")
    func randomBytes() {
        #expect(secureRandomBytes(0).isEmpty)
        let first = secureRandomBytes(32)
        let second = secureRandomBytes(32)
        #expect(first.count == 32)
        #expect(first != second)
    }
}
