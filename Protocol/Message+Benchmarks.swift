// Benchmark jobs on the wire: the repetitions an assignment asks for, the metrics an agent
// reports per measured iteration, and the machine class an agent declares in its Hello.

/// How a benchmark job repeats its steps (`JobAssignment.benchmark`).
public struct BenchmarkSettings: Sendable, Equatable {
    /// Measured iterations, 1…`maxRepeatCount`.
    public var repeatCount: UInt32
    /// Iterations run first whose metrics are discarded, 0…`maxWarmup`.
    public var warmup: UInt32

    /// Most measured iterations a job may ask for.
    public static let maxRepeatCount: UInt32 = 1_000
    /// Most warm-up iterations a job may ask for.
    public static let maxWarmup: UInt32 = 100

    public init(repeatCount: UInt32, warmup: UInt32) { self.repeatCount = repeatCount; self.warmup = warmup }
}

/// The metrics of one measured iteration of a benchmark job; agent → coordinator, before
/// the job's `JobFinished`.
public struct MetricSamples: Sendable, Equatable {
    public var job: JobRef
    /// 1-based number among the measured iterations (warm-up iterations are not counted).
    public var iteration: UInt32
    /// 1…`maxMetrics` readings, in the order the job reported them.
    public var metrics: [MetricSample]

    /// Most metrics one iteration may report.
    public static let maxMetrics = 1_000

    public init(job: JobRef, iteration: UInt32, metrics: [MetricSample]) {
        self.job = job; self.iteration = iteration; self.metrics = metrics
    }
}

/// One reading of one metric.
public struct MetricSample: Sendable, Equatable {
    /// 1…`maxNameBytes` UTF-8 bytes.
    public var name: String
    /// ≤ `maxUnitBytes` UTF-8 bytes; may be empty.
    public var unit: String
    /// Finite: NaN and infinities are malformed on the wire.
    public var value: Double
    public var lowerIsBetter: Bool

    /// Longest metric name, in UTF-8 bytes.
    public static let maxNameBytes = 200
    /// Longest unit, in UTF-8 bytes.
    public static let maxUnitBytes = 200

    public init(name: String, unit: String, value: Double, lowerIsBetter: Bool) {
        self.name = name; self.unit = unit; self.value = value; self.lowerIsBetter = lowerIsBetter
    }
}

extension Hello {
    /// Longest `machineClass`, in bytes.
    public static let maxMachineClassBytes = 64

    /// Why `name` cannot be an agent's `machineClass`, or nil when it can: empty (derive the
    /// class from the fingerprint) or 1…64 characters of `[A-Za-z0-9._-]`.
    public static func machineClassProblem(_ name: String) -> String? {
        if name.utf8.count > maxMachineClassBytes {
            return "\(name.utf8.count) bytes, longer than \(maxMachineClassBytes)"
        }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed ? nil : "'\(name)' has characters outside A-Z, a-z, 0-9, '.', '_', '-'"
    }
}
