#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCoordinator
import FlotillaCore
import FlotillaTLS
import WireProtocol

/// Writes downloaded artifacts into the output directory, verifying each, and then `SHA256SUMS`.
///
/// Each artifact goes to `DIR/NAME` through `ContentAddressedFileWriter`: a temporary file
/// hashed as it is written and renamed only when size and SHA-256 match the listing, so a
/// file under its own name is always verified content. Names were checked by the wire decoder
/// and are checked again here: one plain component each, never `.`, `..` or a path, so
/// nothing is written outside `DIR`. `SHA256SUMS` lists the verified files in the format
/// `sha256sum -c` reads (`<hex>  <name>`).
final class ArtifactDownloader {
    /// How one artifact ended.
    enum Outcome: Equatable {
        case verified
        /// Size or checksum did not match; nothing was written under its name.
        case mismatch(String)
        /// It could not be fetched or written.
        case failed(String)
    }

    let directory: String
    private(set) var outcomes: [(record: ArtifactSummary, outcome: Outcome)] = []
    private var writer: ContentAddressedFileWriter?
    private var current: ArtifactSummary?

    /// Creates the output directory.
    /// - Throws: `FileSystemError` when it cannot be created.
    init(directory: String) throws {
        self.directory = directory
        try makeDirectories(directory)
    }

    /// Picks the records to download: all, or the named ones in the order given.
    /// - Returns: the records, or a message naming the first unknown name.
    static func select(_ records: [ArtifactSummary], names: [String], all: Bool) -> Result<[ArtifactSummary], UsageFailure> {
        if all { return .success(records) }
        var chosen: [ArtifactSummary] = []
        for name in names {
            guard let record = records.first(where: { $0.name == name }) else {
                let known = records.map(\.name).joined(separator: ", ")
                return .failure(UsageFailure("the run has no artifact named '\(name)' (it has: \(known.isEmpty ? "none" : known))"))
            }
            if !chosen.contains(record) { chosen.append(record) }
        }
        return .success(chosen)
    }

    /// Starts writing `record`; content follows through `write`, then `finish`.
    func begin(_ record: ArtifactSummary) {
        current = record
        guard ArtifactNaming.isValidName(record.name), !ArtifactCatalog.reservedNames.contains(record.name) else {
            return end(.failed("'\(record.name)' is not a safe file name; refusing to write it"))
        }
        do {
            writer = try ContentAddressedFileWriter(destinationPath: directory + "/" + record.name,
                                                    expectedSHA256: record.sha256, expectedSize: record.size)
        } catch {
            end(.failed("cannot write \(directory)/\(record.name): \(error)"))
        }
    }

    /// Whether `begin` accepted the current artifact and it is still being written.
    var isWriting: Bool { writer != nil }

    /// Appends content of the current artifact at `offset`.
    func write(_ bytes: [UInt8], at offset: UInt64) {
        guard let writer else { return }
        do {
            try writer.write(bytes, at: offset)
        } catch {
            end(Self.outcome(of: error))
        }
    }

    /// Verifies the current artifact and moves it into place.
    func finish() {
        guard let writer else { return }
        do {
            try writer.finish()
            end(.verified)
        } catch {
            end(Self.outcome(of: error))
        }
    }

    /// Gives up on the current artifact.
    func fail(_ reason: String) {
        guard current != nil else { return }
        end(.failed(reason))
    }

    /// Writes `SHA256SUMS` for the verified artifacts (atomically), and returns the exit code:
    /// 0 all verified, 1 a checksum or size mismatch, 2 something could not be fetched.
    func complete() -> Int32 {
        let lines = outcomes.filter { $0.outcome == .verified }.map { "\($0.record.sha256)  \($0.record.name)\n" }
        let path = directory + "/SHA256SUMS"
        do {
            let temporary = path + ".tmp-" + SHA256Hasher.hex(secureRandomBytes(6))
            try writeFile(temporary, Array(lines.joined().utf8))
            guard rename(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                throw FileSystemError(operation: "rename", path: path, errno: code)
            }
        } catch {
            printError("flotilla artifacts get: cannot write \(path): \(error)")
            return ExitCode.unrunnable
        }
        if outcomes.contains(where: { if case .failed = $0.outcome { true } else { false } }) { return ExitCode.unrunnable }
        if outcomes.contains(where: { if case .mismatch = $0.outcome { true } else { false } }) { return ExitCode.failure }
        return ExitCode.success
    }

    private func end(_ outcome: Outcome) {
        writer?.abort()
        writer = nil
        guard let record = current else { return }
        current = nil
        outcomes.append((record, outcome))
        switch outcome {
        case .verified:
            printLine("\(record.name)  \(record.size) bytes  sha256 \(record.sha256)  OK")
        case .mismatch(let reason):
            printError("flotilla artifacts get: \(record.name): \(reason)")
        case .failed(let reason):
            printError("flotilla artifacts get: \(record.name): \(reason)")
        }
    }

    private static func outcome(of error: BundleError) -> Outcome {
        switch error {
        case .hashMismatch(_, let expected, let actual):
            return .mismatch("checksum mismatch: expected sha256 \(expected), received \(actual)")
        case .sizeMismatch(_, let expected, let actual):
            return .mismatch("size mismatch: expected \(expected) bytes, received \(actual)")
        case .unexpectedOffset(_, let expected, let received):
            return .mismatch("data out of order: expected offset \(expected), received \(received)")
        default:
            return .failed("\(error)")
        }
    }

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path, errno: errno) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { writeSome(descriptor, $0) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw FileSystemError(operation: "write", path: path, errno: errno) }
            offset += written
        }
    }
}

/// A request that cannot be served as asked (unknown run or name); exit code 2.
struct UsageFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `write(2)` once; at file scope, where `write` is not a method.
private func writeSome(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    write(descriptor, bytes.baseAddress, bytes.count)
}
