import FlotillaCore

extension CoordinatorServer {
    /// Splits the `files:` jobs of a run whose source bundle is stored: lists the bundle's
    /// files and hands them to the core, which plans the shards and starts the run.
    ///
    /// Called once the bundle is in `bundles` (at submission when it already was, else after
    /// the upload is stored); does nothing for a run without `files:` shards.
    ///
    /// - Returns: the core's actions, for the caller to perform.
    func sourceFilesListed(runID: String, bundles: BundleCache) -> [CoordinatorAction] {
        guard let run = core.runs[runID], run.awaitingSourceFiles else { return [] }
        let now = loop.nowMillis()
        do {
            let files = try SourceBundleIndex.filePaths(bundlePath: try bundles.path(for: run.bundleSHA256))
            logger.info("source files listed for shards", ["run.id": runID, "bundle.sha256": run.bundleSHA256,
                                                           "bundle.files": "\(files.count)"])
            return core.sourceFilesListed(runID: runID, files: files, now: now)
        } catch {
            logger.warning("cannot list the source bundle for shards", ["run.id": runID, "bundle.sha256": run.bundleSHA256,
                                                                         "error": "\(error)"])
            return core.sourceFilesUnavailable(runID: runID, reason: "\(error)", now: now)
        }
    }
}
