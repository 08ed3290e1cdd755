#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A fresh directory under /tmp that a test owns, removed with everything in it when the
/// value is released.
///
/// Set `FLOTILLA_KEEP_TEST_DIRECTORIES=1` to keep them for a post-mortem; the path is in
/// every failure message that matters.
public final class TemporaryDirectory: @unchecked Sendable {
    /// Absolute path of the directory.
    public let path: String

    /// Creates `/tmp/<prefix>-XXXXXX` (mode 0700).
    ///
    /// - Throws: ``TemporaryDirectoryError`` when mkdtemp fails.
    public init(prefix: String = "flotilla-test") throws(TemporaryDirectoryError) {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TemporaryDirectoryError(operation: "mkdtemp", path: "/tmp/\(prefix)-XXXXXX", reason: String(cString: strerror(errno)))
        }
        path = String(cString: result)
    }

    deinit {
        if ProcessInfo.processInfo.environment["FLOTILLA_KEEP_TEST_DIRECTORIES"] == nil {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// The absolute path of `relative` inside the directory (nothing is created).
    public func file(_ relative: String) -> String {
        path + "/" + relative
    }

    /// Creates a subdirectory (and its parents, mode 0700) and returns its absolute path.
    @discardableResult
    public func makeDirectory(_ relative: String) throws(TemporaryDirectoryError) -> String {
        var current = path
        for component in relative.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw TemporaryDirectoryError(operation: "mkdir", path: current, reason: String(cString: strerror(errno)))
            }
        }
        return current
    }

    /// Writes `text` to `relative` (creating parent directories) and returns the absolute path.
    @discardableResult
    public func write(_ text: String, to relative: String) throws(TemporaryDirectoryError) -> String {
        let target = file(relative)
        if let slash = relative.lastIndex(of: "/") { try makeDirectory(String(relative[..<slash])) }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        } catch {
            throw TemporaryDirectoryError(operation: "write", path: target, reason: "\(error)")
        }
        return target
    }

    /// The contents of `relative` as UTF-8 text; nil when it does not exist.
    public func read(_ relative: String) -> String? {
        FileManager.default.contents(atPath: file(relative)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Creating or writing inside a ``TemporaryDirectory`` failed.
public struct TemporaryDirectoryError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    /// What went wrong (the errno text or Foundation's error).
    public var reason: String

    public var description: String {
        "\(operation) \(path): \(reason)"
    }
}
