#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where in a bundle file a problem was found.
public struct BundleEntryLocation: Sendable, Equatable, CustomStringConvertible {
    /// Zero-based index of the entry being read.
    public var index: Int
    /// The entry's path, once it has been read.
    public var path: String?
    /// Byte offset in the bundle file where the problem starts.
    public var offset: UInt64

    public init(index: Int, path: String?, offset: UInt64) {
        self.index = index; self.path = path; self.offset = offset
    }

    /// `entry #3 'src/main.swift' at byte 1234`.
    public var description: String {
        if let path { return "entry #\(index) '\(path)' at byte \(offset)" }
        return "entry #\(index) at byte \(offset)"
    }
}

/// Why a bundle could not be built, extracted or stored.
///
/// The cases say whose fault it was: `git`, `sourceIO`, `unsupportedSource` and
/// `sourceChanged` concern the local source tree; `notABundle`, `truncated`, `malformed`,
/// `unsafeEntry`, `hashMismatch`, `sizeMismatch` and `unexpectedOffset` mean the bundle
/// bytes (usually from a peer) are bad; `fileIO` and `extractFailed` are local I/O failures.
public enum BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A git command failed in a directory that git says is a work tree.
    case git(arguments: [String], directory: String, status: Int32, stderr: String)
    /// A file or directory of the source tree could not be read.
    case sourceIO(path: String, call: String, errno: Int32)
    /// A source entry cannot be represented safely (escaping symlink, non-UTF-8 name, …).
    case unsupportedSource(path: String, reason: String)
    /// A source file changed while it was being bundled.
    case sourceChanged(path: String, detail: String)
    /// A bound of `BundleLimits` (or the expected size of a content-addressed file) was exceeded.
    case limitExceeded(what: String, limit: UInt64, context: String)
    /// A system call on a bundle, output or cache file failed.
    case fileIO(path: String, call: String, errno: Int32)
    /// The file does not start with a supported bundle header.
    case notABundle(path: String, reason: String)
    /// The bundle ended before `expected` could be read.
    case truncated(path: String, at: BundleEntryLocation, expected: String)
    /// The bundle's bytes break the format.
    case malformed(path: String, at: BundleEntryLocation, reason: String)
    /// An entry would be written outside the destination or through a symlink.
    case unsafeEntry(path: String, at: BundleEntryLocation, reason: String)
    /// Writing an entry into the destination failed.
    case extractFailed(at: BundleEntryLocation, destination: String, call: String, errno: Int32)
    /// A SHA-256 name is not 64 lowercase hexadecimal digits.
    case invalidDigest(String)
    /// The content's SHA-256 is not the expected one.
    case hashMismatch(path: String, expected: String, actual: String)
    /// The content's length is not the expected one.
    case sizeMismatch(path: String, expected: UInt64, actual: UInt64)
    /// A chunk arrived for an offset other than the next byte expected.
    case unexpectedOffset(path: String, expected: UInt64, received: UInt64)
    /// The writer was already finished or aborted.
    case writerClosed(path: String)

    public var description: String {
        switch self {
        case let .git(arguments, directory, status, stderr):
            let detail = stderr.isEmpty ? "" : ": \(stderr)"
            return "git \(arguments.joined(separator: " ")) in \(directory) exited with status \(status)\(detail)"
        case let .sourceIO(path, call, code):
            return "cannot read source \(path): \(call) failed: \(BundleError.describe(errno: code))"
        case let .unsupportedSource(path, reason):
            return "cannot bundle \(path): \(reason)"
        case let .sourceChanged(path, detail):
            return "source file \(path) changed while bundling: \(detail)"
        case let .limitExceeded(what, limit, context):
            return "\(context): more than \(limit) \(what)"
        case let .fileIO(path, call, code):
            return "\(path): \(call) failed: \(BundleError.describe(errno: code))"
        case let .notABundle(path, reason):
            return "\(path) is not a Flotilla bundle: \(reason)"
        case let .truncated(path, location, expected):
            return "bundle \(path) is truncated at \(location): expected \(expected)"
        case let .malformed(path, location, reason):
            return "bundle \(path) is malformed at \(location): \(reason)"
        case let .unsafeEntry(path, location, reason):
            return "bundle \(path) has an unsafe \(location): \(reason)"
        case let .extractFailed(location, destination, call, code):
            return "extracting \(location) into \(destination): \(call) failed: \(BundleError.describe(errno: code))"
        case let .invalidDigest(text):
            return "'\(text)' is not a SHA-256 digest (64 lowercase hexadecimal digits)"
        case let .hashMismatch(path, expected, actual):
            return "\(path): SHA-256 is \(actual), expected \(expected)"
        case let .sizeMismatch(path, expected, actual):
            return "\(path): size is \(actual) bytes, expected \(expected)"
        case let .unexpectedOffset(path, expected, received):
            return "\(path): chunk at offset \(received), expected offset \(expected)"
        case let .writerClosed(path):
            return "\(path): the writer is already finished or aborted"
        }
    }

    static func describe(errno code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
