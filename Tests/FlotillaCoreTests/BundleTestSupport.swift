import Foundation
import TestSupport
@testable import FlotillaCore

/// File-system fixtures for the bundle tests, namespaced so they cannot collide with other
/// helpers in this test target.
enum BundleFixtures {
    /// A fresh temporary directory (TestSupport's, removed on release) with helpers for
    /// building source trees: executables, symlinks, deletions.
    final class Directory {
        private let directory: TemporaryDirectory
        var path: String { directory.path }

        init() {
            directory = try! TemporaryDirectory(prefix: "flotilla-bundle")
        }

        /// Writes a file, creating parent directories.
        func write(_ relative: String, _ contents: String, executable: Bool = false) {
            let full = path + "/" + relative
            try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try! Data(contents.utf8).write(to: URL(fileURLWithPath: full))
            chmod(full, executable ? 0o755 : 0o644)
        }

        func makeDirectory(_ relative: String) {
            try! FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
        }

        func symlink(_ relative: String, to target: String) {
            try! FileManager.default.createSymbolicLink(atPath: path + "/" + relative, withDestinationPath: target)
        }

        func remove(_ relative: String) {
            try! FileManager.default.removeItem(atPath: path + "/" + relative)
        }

        func exists(_ relative: String) -> Bool {
            var info = stat()
            return lstat(path + "/" + relative, &info) == 0
        }

        func read(_ relative: String) -> String? {
            try? String(contentsOfFile: path + "/" + relative, encoding: .utf8)
        }
    }

    /// Every entry below `root`: `file:<content>`, `exec:<content>`, `link:<target>` or `dir`.
    static func snapshot(_ root: String) -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else { return [:] }
        while let relative = enumerator.nextObject() as? String {
            let full = root + "/" + relative
            var info = stat()
            lstat(full, &info)
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                result[relative] = "link:" + (try! manager.destinationOfSymbolicLink(atPath: full))
            case S_IFDIR:
                result[relative] = "dir"
            default:
                let content = (try? String(contentsOfFile: full, encoding: .utf8)) ?? "<binary>"
                result[relative] = (info.st_mode & 0o111 != 0 ? "exec:" : "file:") + content
            }
        }
        return result
    }

    /// Runs git in `directory` with a fixed identity; traps if git fails.
    ///
    /// Through the bundle code's own `GitCommand` rather than Foundation.Process, whose pipe
    /// handling relies on libdispatch read sources (crash-prone on Linux under concurrency).
    @discardableResult
    static func git(_ arguments: [String], in directory: String) -> String {
        let identity = ["-c", "user.name=Flotilla Test", "-c", "user.email=test@example.invalid",
                        "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
        guard let result = GitCommand.run(identity + arguments, in: directory), result.status == 0 else {
            preconditionFailure("git \(arguments) failed in \(directory)")
        }
        return String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var gitAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/git")
    }

    /// One hand-made bundle entry.
    struct Entry {
        var kind: UInt8
        var path: [UInt8]
        var data: [UInt8]

        init(_ kind: BundleEntryKind, _ path: String, _ data: String = "") {
            self.kind = kind.rawValue; self.path = Array(path.utf8); self.data = Array(data.utf8)
        }

        init(rawKind: UInt8, path: [UInt8], data: [UInt8]) {
            self.kind = rawKind; self.path = path; self.data = data
        }
    }

    /// Encodes entries as given (no sorting, no validation), with a correct end marker
    /// unless `endMarker` is false.
    static func craft(_ entries: [Entry], endMarker: Bool = true) -> [UInt8] {
        var bytes = SourceBundleFormat.magic + BigEndian.bytes(SourceBundleFormat.version)
        var total: UInt64 = 0
        for entry in entries {
            bytes += [entry.kind] + BigEndian.bytes(UInt16(entry.path.count)) + entry.path
                + BigEndian.bytes(UInt64(entry.data.count)) + entry.data
            total += UInt64(entry.data.count)
        }
        if endMarker {
            bytes += [0] + BigEndian.bytes(UInt64(entries.count)) + BigEndian.bytes(total)
        }
        return bytes
    }

    /// True when something (even a dangling symlink) exists at the absolute `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func readText(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    static func writeBytes(_ bytes: [UInt8], to path: String) {
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func readBytes(_ path: String) -> [UInt8] {
        Array(try! Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
