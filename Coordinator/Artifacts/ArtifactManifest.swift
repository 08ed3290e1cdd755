import Foundation
import FlotillaTLS
import WireProtocol

/// A run's artifact list as a file: `STATE/runs/RUN/artifacts.json`.
///
/// The coordinator rewrites it atomically (temporary file, fsync, rename) every time it
/// records an artifact, before acknowledging the upload, so the list survives the process:
/// `flotilla artifacts list|get` read it (and the content store) after an embedded run has
/// ended. Format, version 1:
///
/// ```json
/// {
///   "artifacts" : [
///     { "job" : "test", "kind" : "junit", "name" : "junit.xml",
///       "relativePath" : "build/junit.xml", "sha256" : "…", "size" : 1234 }
///   ],
///   "runID" : "t5k2x1-1",
///   "version" : 1
/// }
/// ```
/// A SQLite store is to replace this file; until then it is the durable record.
public struct ArtifactManifest: Sendable, Equatable {
    public var runID: String
    /// In recording order.
    public var artifacts: [ArtifactSummary]

    public init(runID: String, artifacts: [ArtifactSummary] = []) {
        self.runID = runID; self.artifacts = artifacts
    }

    /// The JSON text (keys sorted, indented), as written to disk and printed by `--json`.
    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        return Array(try! encoder.encode(Document(self))) + [0x0A]
    }

    /// Parses and validates manifest JSON.
    /// - Throws: `ArtifactCatalogError.corruptManifest` naming `path` and what is wrong.
    public static func parse(_ bytes: [UInt8], path: String) throws(ArtifactCatalogError) -> ArtifactManifest {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw .corruptManifest(path: path, reason: "\(error)")
        }
        guard document.version == 1 else {
            throw .corruptManifest(path: path, reason: "unsupported version \(document.version) (expected 1)")
        }
        var artifacts: [ArtifactSummary] = []
        for entry in document.artifacts {
            guard ArtifactNaming.isValidName(entry.name), ArtifactNaming.isValidRelativePath(entry.relativePath),
                  ArtifactNaming.isSHA256Hex(entry.sha256), let kind = ArtifactKindCode(name: entry.kind) else {
                throw .corruptManifest(path: path, reason: "invalid entry for artifact '\(entry.name)'")
            }
            artifacts.append(ArtifactSummary(name: entry.name, jobID: entry.job, relativePath: entry.relativePath,
                                             kind: kind, size: entry.size, sha256: entry.sha256))
        }
        return ArtifactManifest(runID: document.runID, artifacts: artifacts)
    }

    /// Reads the manifest at `path`; nil when there is none.
    /// - Throws: `.io` when it exists but cannot be read, `.corruptManifest`.
    public static func read(path: String) throws(ArtifactCatalogError) -> ArtifactManifest? {
        guard let file = fopen(path, "rb") else {
            if errno == ENOENT { return nil }
            throw .io(path: path, call: "fopen", errno: errno)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            bytes += buffer[0..<count]
            if count < buffer.count {
                if ferror(file) != 0 { throw .io(path: path, call: "fread", errno: errno) }
                break
            }
        }
        return try parse(bytes, path: path)
    }

    /// Writes the manifest to `path` atomically and durably.
    /// - Throws: `.io`.
    public func write(to path: String) throws(ArtifactCatalogError) {
        let temporary = path + ".tmp-" + SHA256Hasher.hex(secureRandomBytes(6))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(path: temporary, call: "open", errno: errno) }
        let bytes = json()
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { writeBytes(descriptor, $0) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw .io(path: temporary, call: "write", errno: code)
            }
            offset += written
        }
        let synced = fsync(descriptor) == 0
        let code = errno
        close(descriptor)
        guard synced else {
            unlink(temporary)
            throw .io(path: temporary, call: "fsync", errno: code)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io(path: path, call: "rename", errno: code)
        }
        if let slash = path.lastIndex(of: "/") {
            let directory = open(String(path[..<slash]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                fsync(directory)
                close(directory)
            }
        }
    }

    /// The on-disk shape.
    private struct Document: Codable {
        struct Entry: Codable {
            var name: String
            var job: String
            var relativePath: String
            var kind: String
            var size: UInt64
            var sha256: String
        }
        var version: Int
        var runID: String
        var artifacts: [Entry]

        init(_ manifest: ArtifactManifest) {
            version = 1
            runID = manifest.runID
            artifacts = manifest.artifacts.map {
                Entry(name: $0.name, job: $0.jobID, relativePath: $0.relativePath, kind: $0.kind.name,
                      size: $0.size, sha256: $0.sha256)
            }
        }
    }
}

/// `write(2)` once; outside the struct, where `write` is not its method.
private func writeBytes(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    write(descriptor, bytes.baseAddress, bytes.count)
}
