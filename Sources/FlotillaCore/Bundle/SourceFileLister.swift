#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides which files of a source directory go into a bundle.
///
/// In a git work tree the answer is git's: tracked files (as they are on disk now),
/// plus untracked files that are not ignored; tracked files deleted from disk are left out,
/// and so is anything under a `.flotilla` directory (Flotilla's state: keys, caches).
/// Elsewhere the directory is walked, skipping `.git`, `.flotilla` and `.build*` at any depth.
enum SourceFileLister {
    struct Entry {
        var path: [UInt8]
        var kind: BundleEntryKind
    }

    struct Listing {
        /// Sorted by path bytes, unique.
        var entries: [Entry]
        /// `git rev-parse HEAD`, plus `-dirty` when the tree differs from it; "" outside git.
        var revision: String
    }

    /// Lists `directory`, leaving out the relative paths in `excluded`.
    static func list(directory: String, excluding excluded: Set<String>, limits: BundleLimits) throws(BundleError) -> Listing {
        var listing: Listing
        if let toplevel = GitCommand.run(["rev-parse", "--show-toplevel"], in: directory), toplevel.status == 0 {
            listing = try listGit(directory: directory, excluding: excluded, limits: limits)
        } else {
            var entries: [Entry] = []
            _ = try walk(directory: directory, relative: [], excluding: excluded, limits: limits, into: &entries)
            listing = Listing(entries: entries, revision: "")
        }
        listing.entries.sort { $0.path.lexicographicallyPrecedes($1.path) }
        return listing
    }

    private static func listGit(directory: String, excluding excluded: Set<String>, limits: BundleLimits) throws(BundleError) -> Listing {
        let arguments = ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        guard let files = GitCommand.run(arguments, in: directory) else {
            throw .git(arguments: arguments, directory: directory, status: -1, stderr: "git could not be started")
        }
        guard files.status == 0 else {
            throw .git(arguments: arguments, directory: directory, status: files.status, stderr: files.stderr)
        }
        var seen = Set<[UInt8]>()
        var realDirectories: [String: Bool] = [:]
        var entries: [Entry] = []
        for rawPath in files.stdout.split(separator: 0) {
            var path = Array(rawPath)
            // An untracked nested repository is listed once, as "dir/".
            while path.last == UInt8(ascii: "/") { path.removeLast() }
            guard !path.isEmpty, seen.insert(path).inserted else { continue }
            let text = String(decoding: path, as: UTF8.self)
            if excluded.contains(text) { continue }
            // Flotilla's own state (certificates, keys, caches) never ships, even when not ignored.
            if path.split(separator: UInt8(ascii: "/")).contains(where: { $0.elementsEqual(".flotilla".utf8) }) { continue }
            if let problem = BundlePathRules.problem(withPath: path, limits: limits) {
                throw .unsupportedSource(path: text, reason: problem)
            }
            // git reports a tracked "a/b" whose directory "a" became a symlink; reading it would
            // follow the link, and git itself considers such a file deleted.
            guard parentsAreDirectories(of: text, in: directory, cache: &realDirectories) else { continue }
            let info: stat
            switch BundleSyscalls.linkStatus(directory + "/" + text) {
            case .success(let value): info = value
            case .failure(let error) where error.code == ENOENT || error.code == ENOTDIR:
                continue // tracked but deleted from the work tree
            case .failure(let error):
                throw .sourceIO(path: directory + "/" + text, call: "lstat", errno: error.code)
            }
            guard let kind = kind(of: info) else { continue }
            entries.append(Entry(path: path, kind: kind))
            if entries.count > limits.maxEntries {
                throw .limitExceeded(what: "entries", limit: UInt64(limits.maxEntries), context: "source directory \(directory)")
            }
        }
        return Listing(entries: entries, revision: revision(directory: directory))
    }

    private static func parentsAreDirectories(of path: String, in root: String, cache: inout [String: Bool]) -> Bool {
        guard let slash = path.lastIndex(of: "/") else { return true }
        let parent = String(path[..<slash])
        if let known = cache[parent] { return known }
        var result = parentsAreDirectories(of: parent, in: root, cache: &cache)
        if result, case .success(let info) = BundleSyscalls.linkStatus(root + "/" + parent) {
            result = BundleSyscalls.isDirectory(info)
        } else {
            result = false
        }
        cache[parent] = result
        return result
    }

    private static func revision(directory: String) -> String {
        guard let head = GitCommand.run(["rev-parse", "--verify", "--quiet", "HEAD"], in: directory), head.status == 0 else {
            return ""
        }
        let commit = String(decoding: head.stdout, as: UTF8.self).filter { !$0.isWhitespace }
        // Untracked files count: they are in the bundle, so HEAD alone would not reproduce it.
        guard let status = GitCommand.run(["status", "--porcelain", "-z", "--untracked-files=normal", "--", "."], in: directory),
              status.status == 0 else {
            return commit + "-dirty"
        }
        return status.stdout.isEmpty ? commit : commit + "-dirty"
    }

    /// Walks one directory level; returns whether anything below it was listed.
    private static func walk(directory root: String, relative: [UInt8], excluding excluded: Set<String>,
                             limits: BundleLimits, into entries: inout [Entry]) throws(BundleError) -> Bool {
        let absolute = relative.isEmpty ? root : root + "/" + String(decoding: relative, as: UTF8.self)
        let names = try directoryNames(absolute)
        var listedAny = false
        for name in names {
            if isSkippedName(name) { continue }
            let path = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
            let text = String(decoding: path, as: UTF8.self)
            if excluded.contains(text) { continue }
            if let problem = BundlePathRules.problem(withPath: path, limits: limits) {
                throw .unsupportedSource(path: absolute + "/" + String(decoding: name, as: UTF8.self), reason: problem)
            }
            let info: stat
            switch BundleSyscalls.linkStatus(root + "/" + text) {
            case .success(let value): info = value
            case .failure(let error) where error.code == ENOENT:
                continue // removed while walking
            case .failure(let error):
                throw .sourceIO(path: root + "/" + text, call: "lstat", errno: error.code)
            }
            guard let kind = kind(of: info) else { continue }
            if kind == .directory {
                if try walk(directory: root, relative: path, excluding: excluded, limits: limits, into: &entries) {
                    listedAny = true
                    continue
                }
            }
            entries.append(Entry(path: path, kind: kind))
            listedAny = true
            if entries.count > limits.maxEntries {
                throw .limitExceeded(what: "entries", limit: UInt64(limits.maxEntries), context: "source directory \(root)")
            }
        }
        return listedAny
    }

    private static func directoryNames(_ path: String) throws(BundleError) -> [[UInt8]] {
        guard let stream = opendir(path) else { throw .sourceIO(path: path, call: "opendir", errno: errno) }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .sourceIO(path: path, call: "readdir", errno: errno) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names
    }

    private static func isSkippedName(_ name: [UInt8]) -> Bool {
        name.elementsEqual(".git".utf8) || name.elementsEqual(".flotilla".utf8) || name.starts(with: ".build".utf8)
    }

    private static func kind(of info: stat) -> BundleEntryKind? {
        if BundleSyscalls.isRegularFile(info) { return info.st_mode & 0o111 != 0 ? .executable : .file }
        if BundleSyscalls.isSymlink(info) { return .symlink }
        if BundleSyscalls.isDirectory(info) { return .directory }
        return nil // sockets, FIFOs and devices cannot be carried to another machine
    }
}
