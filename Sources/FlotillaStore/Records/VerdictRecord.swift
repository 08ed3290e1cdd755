/// A run's gate verdict as the machine-readable JSON document.
public struct VerdictRecord: Sendable, Equatable {
    public var runID: String
    public var json: String
    public var recordedAt: Int64

    public init(runID: String, json: String, recordedAt: Int64) {
        self.runID = runID; self.json = json; self.recordedAt = recordedAt
    }
}
