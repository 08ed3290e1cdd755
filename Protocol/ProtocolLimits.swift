/// Upper bounds a receiver enforces on frames and fields.
///
/// Every bound is checked before the bytes it guards are buffered or allocated, so a peer
/// cannot make this side hold more memory than one frame of `maxFrameBytes`. The numbers in
/// `default` are part of the protocol (PROTOCOL.md, "Limits"); a receiver may lower them but
/// a sender must stay within the defaults.
public struct ProtocolLimits: Sendable, Equatable {
    /// Largest frame length N (type byte + body), excluding the 4-byte length prefix.
    public var maxFrameBytes: UInt32
    /// Largest string field, in UTF-8 bytes, unless a field has its own limit below.
    public var maxStringBytes: Int
    /// Largest `SubmitRun.pipelineText`, in UTF-8 bytes.
    public var maxPipelineTextBytes: Int
    /// Largest element count of any list field unless a field has its own limit below.
    public var maxListCount: Int
    /// Largest `LogChunk.data`.
    public var maxLogChunkBytes: Int
    /// Largest `BundleChunk.data`.
    public var maxBundleChunkBytes: Int
    /// Largest `ArtifactChunk.data` and `ArtifactData.data`.
    public var maxArtifactChunkBytes: Int
    /// Most labels an agent may declare in Hello.
    public var maxLabels: Int
    /// Longest label, in UTF-8 bytes.
    public var maxLabelBytes: Int
    /// Largest agent capacity (concurrent job slots) accepted in Hello.
    public var maxAgentCapacity: UInt32
    /// How long a peer has, from connection to Welcome, to complete the handshake.
    public var handshakeTimeoutMillis: UInt64

    /// Creates limits; every parameter defaults to the protocol's value.
    public init(maxFrameBytes: UInt32 = 1_048_576 + 16_384,
                maxStringBytes: Int = 65_536,
                maxPipelineTextBytes: Int = 524_288,
                maxListCount: Int = 8_192,
                maxLogChunkBytes: Int = LogChunk.maxDataBytes,
                maxBundleChunkBytes: Int = BundleChunk.maxDataBytes,
                maxLabels: Int = 64,
                maxLabelBytes: Int = 128,
                maxAgentCapacity: UInt32 = 1_024,
                handshakeTimeoutMillis: UInt64 = 10_000,
                maxArtifactChunkBytes: Int = ArtifactChunk.maxDataBytes) {
        self.maxFrameBytes = maxFrameBytes
        self.maxStringBytes = maxStringBytes
        self.maxPipelineTextBytes = maxPipelineTextBytes
        self.maxListCount = maxListCount
        self.maxLogChunkBytes = maxLogChunkBytes
        self.maxBundleChunkBytes = maxBundleChunkBytes
        self.maxLabels = maxLabels
        self.maxLabelBytes = maxLabelBytes
        self.maxAgentCapacity = maxAgentCapacity
        self.handshakeTimeoutMillis = handshakeTimeoutMillis
        self.maxArtifactChunkBytes = maxArtifactChunkBytes
    }

    /// The protocol's limits: 1 MiB + 16 KiB frames, 64 KiB strings, 512 KiB pipeline text,
    /// 8192-element lists, 64 KiB log chunks, 256 KiB bundle and artifact chunks.
    public static let `default` = ProtocolLimits()
}
