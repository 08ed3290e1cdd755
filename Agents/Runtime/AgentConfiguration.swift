import FlotillaNet
import WireProtocol

/// Everything an agent process needs to join a fleet.
public struct AgentConfiguration: Sendable {
    public var coordinator: HostPort
    /// Holds `ca.crt`, `agent-NAME.crt`, `agent-NAME.key` (see `flotilla pki issue`).
    public var pkiDirectory: String
    /// Must equal the CN of the agent's certificate.
    public var name: String
    public var labels: [String]
    /// Jobs run at the same time.
    public var capacity: Int
    /// Workspaces under `WORK/jobs`, cached bundles under `WORK/bundles`.
    public var workDirectory: String
    public var fingerprint: MachineFingerprint
    public var backoff: ReconnectBackoff
    /// SIGTERM-to-SIGKILL grace when a job's process group is killed.
    public var killGraceMillis: UInt64
    public var keepWorkspaces: Bool
    /// Most artifact bytes one job may upload (`--max-artifact-bytes`); 10 GiB by default.
    public var maxArtifactBytes: UInt64
    /// Fault injection for tests only: corrupt the first transmission of every artifact so the
    /// coordinator's checksum check and the retry path run (see `ArtifactUploadManager`).
    public var corruptFirstArtifactTransmission: Bool
    /// `--machine-class`: the benchmark class this agent declares in its Hello; empty lets the
    /// coordinator derive it from `fingerprint` (`MachineClass.derive`). Checked by
    /// `MachineClass.validate` before it gets here.
    public var machineClass: String
    /// How long jobs keep running without a coordinator session (it may be restarting) before
    /// they are cancelled: by then the coordinator has given them to other agents.
    public var disconnectedJobGraceMillis: UInt64 = 600_000

    public init(coordinator: HostPort, pkiDirectory: String, name: String, labels: [String], capacity: Int,
                workDirectory: String, fingerprint: MachineFingerprint, backoff: ReconnectBackoff = ReconnectBackoff(),
                killGraceMillis: UInt64 = 5_000, keepWorkspaces: Bool = false,
                maxArtifactBytes: UInt64 = JobRunnerConfiguration.defaultMaxArtifactBytes,
                corruptFirstArtifactTransmission: Bool = false, machineClass: String = "") {
        self.coordinator = coordinator; self.pkiDirectory = pkiDirectory; self.name = name; self.labels = labels
        self.capacity = capacity; self.workDirectory = workDirectory; self.fingerprint = fingerprint
        self.backoff = backoff; self.killGraceMillis = killGraceMillis; self.keepWorkspaces = keepWorkspaces
        self.maxArtifactBytes = maxArtifactBytes; self.corruptFirstArtifactTransmission = corruptFirstArtifactTransmission
        self.machineClass = machineClass
    }
}
