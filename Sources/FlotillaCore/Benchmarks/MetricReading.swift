/// One measurement a benchmark job reported: `::metric name=N unit=U value=V` on stdout, or a
/// JSON line in the file named by `FLOTILLA_METRICS`.
public struct MetricReading: Sendable, Equatable {
    /// What was measured (`parse.p50`); 1…`MetricLineParser.maxNameBytes` UTF-8 bytes.
    public var name: String
    /// The value's unit (`ms`, `MB/s`); may be empty for a plain count.
    public var unit: String
    /// Always finite.
    public var value: Double
    /// Whether smaller values are better (times, sizes) or larger ones (throughput).
    public var lowerIsBetter: Bool

    public init(name: String, unit: String, value: Double, lowerIsBetter: Bool = true) {
        self.name = name; self.unit = unit; self.value = value; self.lowerIsBetter = lowerIsBetter
    }
}

/// A metric line that does not follow the format; says which line and what was expected.
public struct MetricParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the text being parsed (a step's stdout or the metrics file).
    public var line: Int
    /// What is wrong and what was expected.
    public var message: String

    public init(line: Int, message: String) { self.line = line; self.message = message }

    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}
