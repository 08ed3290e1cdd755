#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WireProtocol

/// Which artifacts each run has, under which unique names; persisted as per-run manifests.
///
/// Layout: `<runsDirectory>/<runID>/artifacts.json` (`ArtifactManifest`). A run's manifest is
/// written (empty) when the run is accepted and rewritten with every recorded artifact, so
/// "known run without artifacts" and "unknown run" stay distinguishable after a restart.
/// Recently used manifests are cached; the files are the truth. Not thread-safe.
public final class ArtifactCatalog {
    /// `STATE/runs`.
    public let runsDirectory: String
    private var cache: [String: ArtifactManifest] = [:]
    private var cacheOrder: [String] = []
    private static let cachedRuns = 64
    /// Names no artifact may take: `flotilla artifacts get` writes a file of this name beside them.
    public static let reservedNames: Set<String> = ["SHA256SUMS"]

    /// - Throws: `.io` when the directory cannot be created.
    public init(runsDirectory: String) throws(ArtifactCatalogError) {
        self.runsDirectory = runsDirectory
        var partial = runsDirectory.hasPrefix("/") ? "" : "."
        for component in runsDirectory.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST { throw .io(path: partial, call: "mkdir", errno: errno) }
        }
    }

    /// A catalog over an existing directory, for readers (nothing is created).
    public static func reading(runsDirectory: String) -> ArtifactCatalog {
        ArtifactCatalog(unchecked: runsDirectory)
    }

    private init(unchecked runsDirectory: String) { self.runsDirectory = runsDirectory }

    /// Where a run's manifest lives.
    /// - Throws: `.invalidRunID` unless the id is a plain file name (it comes from the network).
    public func manifestPath(runID: String) throws(ArtifactCatalogError) -> String {
        guard ArtifactNaming.isValidName(runID) else { throw .invalidRunID(runID) }
        return runsDirectory + "/" + runID + "/artifacts.json"
    }

    /// Writes an empty manifest for a new run (keeps an existing one).
    public func runAccepted(_ runID: String) throws(ArtifactCatalogError) {
        guard try manifest(runID) == nil else { return }
        try save(ArtifactManifest(runID: runID))
    }

    /// The run's artifacts in recording order; nil when the run has no manifest.
    public func artifacts(ofRun runID: String) throws(ArtifactCatalogError) -> [ArtifactSummary]? {
        try manifest(runID)?.artifacts
    }

    /// One artifact of a run by name.
    public func artifact(named name: String, inRun runID: String) throws(ArtifactCatalogError) -> ArtifactSummary? {
        try manifest(runID)?.artifacts.first { $0.name == name }
    }

    /// Records a verified artifact under its proposed name or the first free `-N` variant,
    /// durably, and returns the record as stored.
    ///
    /// The same file of the same job with the same content is recorded once: an agent that
    /// lost its connection mid-upload (a coordinator restart) uploads everything again.
    /// - Throws: `.invalidRunID`, `.io`, `.corruptManifest`.
    public func record(_ proposal: ArtifactSummary, inRun runID: String) throws(ArtifactCatalogError) -> ArtifactSummary {
        var manifest = try manifest(runID) ?? ArtifactManifest(runID: runID)
        if let existing = manifest.artifacts.first(where: {
            $0.jobID == proposal.jobID && $0.relativePath == proposal.relativePath && $0.sha256 == proposal.sha256
        }) {
            return existing
        }
        var record = proposal
        record.name = Self.uniqueName(proposal.name, taken: Set(manifest.artifacts.map(\.name)).union(Self.reservedNames))
        manifest.artifacts.append(record)
        try save(manifest)
        return record
    }

    /// `name`, or the first of `STEM-2.EXT`, `STEM-3.EXT`, … not in `taken` (the suffix goes
    /// before the last extension; names stay within 255 bytes by shortening the stem).
    public static func uniqueName(_ name: String, taken: Set<String>) -> String {
        guard taken.contains(name) else { return name }
        var stem = Substring(name)
        var ext = Substring("")
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            stem = name[..<dot]
            ext = name[dot...]
        }
        var number = 2
        while true {
            let suffix = "-\(number)" + ext
            let room = max(1, ArtifactNaming.maxNameBytes - suffix.utf8.count)
            let candidate = String(decoding: stem.utf8.prefix(room), as: UTF8.self) + suffix
            if !taken.contains(candidate) && ArtifactNaming.isValidName(candidate) { return candidate }
            number += 1
        }
    }

    private func manifest(_ runID: String) throws(ArtifactCatalogError) -> ArtifactManifest? {
        if let cached = cache[runID] { return cached }
        guard let manifest = try ArtifactManifest.read(path: try manifestPath(runID: runID)) else { return nil }
        remember(manifest)
        return manifest
    }

    private func save(_ manifest: ArtifactManifest) throws(ArtifactCatalogError) {
        let path = try manifestPath(runID: manifest.runID)
        let directory = runsDirectory + "/" + manifest.runID
        if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw .io(path: directory, call: "mkdir", errno: errno) }
        try manifest.write(to: path)
        remember(manifest)
    }

    private func remember(_ manifest: ArtifactManifest) {
        if cache.updateValue(manifest, forKey: manifest.runID) == nil { cacheOrder.append(manifest.runID) }
        while cacheOrder.count > Self.cachedRuns { cache[cacheOrder.removeFirst()] = nil }
    }
}

/// A run's artifact list could not be read or written.
public enum ArtifactCatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(path: String, call: String, errno: Int32)
    case invalidRunID(String)
    case corruptManifest(path: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, call, code): "\(path): \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .invalidRunID(let id): "'\(id)' is not a valid run id"
        case let .corruptManifest(path, reason): "\(path) is not a valid artifact manifest: \(reason)"
        }
    }
}
