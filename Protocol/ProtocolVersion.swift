/// The protocol versions this build speaks, and how two ranges are reconciled.
public enum ProtocolVersion {
    /// Versions this implementation can speak; a Hello offers exactly this range.
    public static let supported: ClosedRange<UInt16> = 1...1

    /// The highest version in both `offered` and `supported`, or nil when they do not overlap.
    ///
    /// - Parameters:
    ///   - offered: The peer's `minVersion...maxVersion`.
    ///   - supported: This side's range; `ProtocolVersion.supported` unless testing.
    /// - Returns: The version the session will use.
    public static func negotiate(offered: ClosedRange<UInt16>,
                                 supported: ClosedRange<UInt16> = ProtocolVersion.supported) -> UInt16? {
        let low = max(offered.lowerBound, supported.lowerBound)
        let high = min(offered.upperBound, supported.upperBound)
        return low <= high ? high : nil
    }
}
