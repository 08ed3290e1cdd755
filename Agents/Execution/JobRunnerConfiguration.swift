import FlotillaCore

/// How a `JobRunner` lays out workspaces, kills processes and bounds logs.
public struct JobRunnerConfiguration: Sendable, Equatable {
    /// Directory under which `<runID>/<jobID>-<attempt>/` workspaces are created.
    public var workRoot: String
    /// Leave workspaces on disk after the job (for debugging); by default they are removed.
    public var keepWorkspaces: Bool
    /// Grace period between SIGTERM and SIGKILL, and the output drain timeout.
    public var process: ProcessRunner.Configuration
    /// Per-job log byte cap, chunk size and flush interval.
    public var log: LogStreamer.Configuration
    /// Bounds applied while extracting the source bundle.
    public var bundleLimits: BundleLimits
    /// Most artifact bytes one job may upload; entries that would exceed it are refused.
    public var maxArtifactBytes: UInt64

    public init(workRoot: String, keepWorkspaces: Bool = false, process: ProcessRunner.Configuration = ProcessRunner.Configuration(),
                log: LogStreamer.Configuration = LogStreamer.Configuration(), bundleLimits: BundleLimits = BundleLimits(),
                maxArtifactBytes: UInt64 = JobRunnerConfiguration.defaultMaxArtifactBytes) {
        self.workRoot = workRoot; self.keepWorkspaces = keepWorkspaces; self.process = process
        self.log = log; self.bundleLimits = bundleLimits; self.maxArtifactBytes = maxArtifactBytes
    }

    /// 10 GiB.
    public static let defaultMaxArtifactBytes: UInt64 = 10 << 30
}
