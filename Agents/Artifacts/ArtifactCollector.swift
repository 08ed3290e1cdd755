#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WireProtocol

/// Expands a job's `artifacts:` entries against its source directory and decides what may be uploaded.
///
/// Network-free and synchronous (it walks directories; run it off the event loop). Each entry
/// is collected completely or not at all, so a declared set of reports never arrives partially:
///
/// - the pattern must parse (`ArtifactPattern`: relative, no `..`; `{a,b}` alternatives are expanded);
/// - it must match at least one file (only regular files match; a symlink matches when its
///   `realpath` is a regular file inside the source directory; a symlink resolving outside is
///   refused, naming the link);
/// - every match's path must be valid UTF-8 and at most 4096 bytes;
/// - the entry's bytes must fit what is left of `maxBytes` for the job.
///
/// A path already collected for an earlier entry is not sent twice (the same file reached through
/// another path is: the coordinator stores identical content once).
/// Matches are sorted bytewise. A single literal path takes the entry's `name`; the files a
/// glob matches keep their base names. Names and relative paths are made wire-safe with
/// `ArtifactNaming.sanitizedName`/`sanitizedRelativePath` (`my report.xml` → `my_report.xml`).
public struct ArtifactCollector: Sendable {
    /// The job's source directory (absolute); patterns are relative to it and symlinks may not leave it.
    public var sourceDirectory: String
    /// Most bytes one job may upload in total.
    public var maxBytes: UInt64
    /// Most files one job may upload in total.
    public var maxFiles: Int
    /// Most directory entries one expansion may look at, so `**` over a huge tree ends.
    public var maxVisitedEntries: Int

    public init(sourceDirectory: String, maxBytes: UInt64, maxFiles: Int = 10_000, maxVisitedEntries: Int = 1_000_000) {
        self.sourceDirectory = sourceDirectory; self.maxBytes = maxBytes
        self.maxFiles = maxFiles; self.maxVisitedEntries = maxVisitedEntries
    }

    /// Collects every entry in order.
    public func collect(_ requests: [ArtifactRequest]) -> ArtifactCollection {
        var collection = ArtifactCollection()
        guard let realSource = ArtifactFiles.realPath(sourceDirectory) else {
            collection.refusals = requests.map {
                ArtifactRefusal(path: $0.path, reason: "the workspace \(sourceDirectory) is missing")
            }
            return collection
        }
        var seen = Set<String>()
        var bytes: UInt64 = 0
        for request in requests {
            switch evaluate(request, realSource: realSource, seen: seen, bytesSoFar: bytes,
                            filesSoFar: collection.artifacts.count) {
            case .collected(let files, let matched):
                seen.formUnion(matched)
                bytes += files.reduce(0) { $0 + $1.size }
                collection.artifacts += files
            case .refused(let refusals):
                collection.refusals += refusals
            }
        }
        return collection
    }

    private enum EntryResult {
        /// The files, and the relative paths (as matched) they came from.
        case collected([CollectedArtifact], Set<String>)
        case refused([ArtifactRefusal])
    }

    private func evaluate(_ request: ArtifactRequest, realSource: String, seen: Set<String>, bytesSoFar: UInt64,
                          filesSoFar: Int) -> EntryResult {
        func refuse(_ reason: String) -> EntryResult { .refused([ArtifactRefusal(path: request.path, reason: reason)]) }
        var walk = ArtifactWalk(realSource: realSource, logicalSource: sourceDirectory,
                                maxMatches: maxFiles + 1, maxVisited: maxVisitedEntries)
        let patterns: [ArtifactPattern]
        do {
            patterns = try ArtifactPattern.expandingBraces(request.path).map { text throws(ArtifactPatternError) in
                try ArtifactPattern(text)
            }
            for pattern in patterns { try walk.add(pattern) }
        } catch let error as ArtifactPatternError {
            return refuse(error.description)
        } catch {
            return refuse("\(error)")
        }
        let matches = walk.matches
        let bad = matches.compactMap { match -> ArtifactRefusal? in
            guard case .refused(let reason) = match.outcome else { return nil }
            return ArtifactRefusal(path: match.relativePath, reason: reason)
        }
        if !bad.isEmpty { return .refused(bad) }
        if matches.isEmpty {
            return refuse(patterns.allSatisfy(\.isLiteral) ? "no such file in the workspace" : "no file in the workspace matches")
        }
        // One named file takes the entry's name; the files of a glob keep their own.
        let singleLiteral = patterns.count == 1 && patterns[0].isLiteral
        var files: [CollectedArtifact] = []
        var matched = Set<String>()
        for match in matches where !seen.contains(match.relativePath) {
            guard case .file(let path, let size) = match.outcome else { continue }
            matched.insert(match.relativePath)
            guard let relative = ArtifactNaming.sanitizedRelativePath(match.relativePath) else {
                return .refused([ArtifactRefusal(path: match.relativePath,
                                                 reason: "the path is longer than \(ArtifactNaming.maxRelativePathBytes) bytes")])
            }
            let base = match.relativePath.split(separator: "/").last.map(String.init) ?? match.relativePath
            let name = ArtifactNaming.sanitizedName(singleLiteral && !request.name.isEmpty ? request.name : base)
            files.append(CollectedArtifact(name: name, relativePath: relative, kind: request.kind, path: path, size: size))
        }
        if filesSoFar + files.count > maxFiles {
            return refuse("\(files.count) files would exceed the per-job limit of \(maxFiles) artifact files "
                          + "(\(filesSoFar) already collected)")
        }
        let size = files.reduce(UInt64(0)) { $0 + $1.size }
        if size > maxBytes || bytesSoFar > maxBytes - size {
            return refuse("\(size) bytes would exceed the per-job artifact limit of \(maxBytes) bytes "
                          + "(\(bytesSoFar) bytes already collected)")
        }
        return .collected(files, matched)
    }
}

/// One expansion of a pattern over the file system.
struct ArtifactWalk {
    enum Outcome: Equatable {
        /// A regular file to collect: its real path and size.
        case file(path: String, size: UInt64)
        /// A match that refuses its whole entry.
        case refused(String)
    }

    struct Match: Equatable {
        var relativePath: String
        var outcome: Outcome
    }

    /// The walk itself failed; the description is the refusal reason.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let realSource: String
    let logicalSource: String
    let maxMatches: Int
    let maxVisited: Int
    private var visited = 0
    private var found: [String: Outcome] = [:]
    private static let maxDepth = 64

    init(realSource: String, logicalSource: String, maxMatches: Int, maxVisited: Int) {
        self.realSource = realSource; self.logicalSource = logicalSource
        self.maxMatches = maxMatches; self.maxVisited = maxVisited
    }

    /// Adds the matches of `pattern` (a path matched twice is kept once).
    mutating func add(_ pattern: ArtifactPattern) throws(Failure) {
        try walk(pattern, directory: logicalSource, relative: [], index: 0, depth: 0)
    }

    /// Every match so far, sorted bytewise by relative path.
    var matches: [Match] {
        found.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { Match(relativePath: $0, outcome: found[$0]!) }
    }

    private mutating func walk(_ pattern: ArtifactPattern, directory: String, relative: [String], index: Int,
                               depth: Int) throws(Failure) {
        guard depth <= Self.maxDepth else {
            throw Failure(description: "the directory tree is deeper than \(Self.maxDepth) levels at \(relative.joined(separator: "/"))")
        }
        let isLast = index == pattern.components.count - 1
        switch pattern.components[index] {
        case .literal(let name):
            let path = directory + "/" + name
            if isLast {
                try consider(path, relative + [name], explicit: pattern.isLiteral)
            } else if ArtifactFiles.isDirectory(path, followingLinks: true) {
                // A named directory may be a link, but only to somewhere inside the workspace.
                if ArtifactFiles.linkStatus(path)?.isSymlink == true {
                    guard let real = ArtifactFiles.realPath(path), isInside(real) else {
                        let target = ArtifactFiles.realPath(path).map { " (to \($0))" } ?? ""
                        return try record((relative + [name]).joined(separator: "/"),
                                          .refused("is a symlink resolving outside the workspace\(target)"))
                    }
                }
                try walk(pattern, directory: path, relative: relative + [name], index: index + 1, depth: depth + 1)
            }
        case .wildcard(let glob):
            for entry in try entries(of: directory, relative) where glob.matches(entry.bytes) {
                let path = directory + "/" + entry.name
                if isLast {
                    try consider(path, relative + [entry.name], explicit: false, nameBytes: entry.bytes)
                } else if ArtifactFiles.isDirectory(path, followingLinks: false) {
                    try walk(pattern, directory: path, relative: relative + [entry.name], index: index + 1, depth: depth + 1)
                }
            }
        case .anyDirectories:
            if isLast {
                // A trailing `**` means every file below.
                for entry in try entries(of: directory, relative) {
                    let path = directory + "/" + entry.name
                    if ArtifactFiles.isDirectory(path, followingLinks: false) {
                        try walk(pattern, directory: path, relative: relative + [entry.name], index: index, depth: depth + 1)
                    } else {
                        try consider(path, relative + [entry.name], explicit: false, nameBytes: entry.bytes)
                    }
                }
                return
            }
            try walk(pattern, directory: directory, relative: relative, index: index + 1, depth: depth)
            for entry in try entries(of: directory, relative) {
                let path = directory + "/" + entry.name
                // Symlinked directories are not searched: they could loop or leave the workspace.
                if ArtifactFiles.isDirectory(path, followingLinks: false) {
                    try walk(pattern, directory: path, relative: relative + [entry.name], index: index, depth: depth + 1)
                }
            }
        }
    }

    private mutating func entries(of directory: String, _ relative: [String]) throws(Failure) -> [ArtifactFiles.Entry] {
        switch ArtifactFiles.entries(of: directory) {
        case .success(let entries):
            visited += entries.count
            guard visited <= maxVisited else {
                throw Failure(description: "the pattern visits more than \(maxVisited) directory entries")
            }
            return entries
        case .failure(let error):
            let shown = relative.isEmpty ? "the workspace" : "directory '\(relative.joined(separator: "/"))'"
            throw Failure(description: "cannot read \(shown): \(error.reason)")
        }
    }

    private func isInside(_ real: String) -> Bool {
        real.utf8.starts(with: (realSource + "/").utf8)
    }

    /// Records what the path at `relative` is, if it is something an artifact entry can match.
    ///
    /// - Parameter explicit: the pattern named this path exactly, so anything but a usable file is reported.
    private mutating func consider(_ path: String, _ relative: [String], explicit: Bool, nameBytes: [UInt8]? = nil) throws(Failure) {
        let shown = relative.joined(separator: "/")
        if let nameBytes, !String(decoding: nameBytes, as: UTF8.self).utf8.elementsEqual(nameBytes) {
            // Not even its path can be spelled on the wire.
            return try record(shown, .refused("the file name is not valid UTF-8"))
        }
        guard let info = ArtifactFiles.linkStatus(path) else { return }
        let outcome: Outcome
        if info.isDirectory {
            guard explicit else { return }
            outcome = .refused("is a directory; use '\(shown)/**' to collect the files in it")
        } else if !info.isSymlink && !info.isRegularFile {
            guard explicit else { return }
            outcome = .refused("is not a regular file")
        } else if let real = ArtifactFiles.realPath(path) {
            guard isInside(real) else {
                outcome = .refused(info.isSymlink ? "is a symlink resolving outside the workspace (to \(real))"
                                                  : "resolves outside the workspace (to \(real)) through a symlinked directory")
                return try record(shown, outcome)
            }
            guard let target = ArtifactFiles.status(real), target.isRegularFile else {
                guard explicit else { return }
                return try record(shown, .refused("is a symlink to something other than a regular file"))
            }
            outcome = .file(path: real, size: target.size)
        } else {
            // A dangling link: nothing to send, and its target may not even be in the workspace.
            outcome = .refused("is a symlink whose target does not exist")
        }
        try record(shown, outcome)
    }

    private mutating func record(_ relative: String, _ outcome: Outcome) throws(Failure) {
        found[relative] = outcome
        guard found.count <= maxMatches else {
            throw Failure(description: "the pattern matches more than \(maxMatches - 1) files")
        }
    }
}
