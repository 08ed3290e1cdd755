/// One benchmark's recorded history: each commit's samples (oldest first, higher is worse)
/// and, optionally, the machine class each commit ran on.
///
/// This is the input of `flotilla bench detect` and the format of the corpus files:
/// `{"samples": [[commit 0 samples], [commit 1 samples], ...], "machines": [machine per commit]}`.
public struct BenchHistory: Sendable, Equatable {
    /// Each commit's samples; an empty array is a commit without a result.
    public var samples: [[Double]]
    /// Each commit's machine class, or `nil` when every commit ran on the same one.
    public var machines: [String]?

    public init(samples: [[Double]], machines: [String]? = nil) {
        precondition(machines == nil || machines!.count == samples.count, "one machine per commit")
        self.samples = samples
        self.machines = machines
    }

    /// What the input must look like, for error messages.
    public static let expectedShape =
        #"{"samples": [[numbers of commit 0], [numbers of commit 1], ...], "machines": [one string per commit] (optional)}"#

    /// Parses the JSON text of a history; unknown keys are ignored.
    /// - Throws: `BenchInputError` naming what was wrong and what was expected.
    public static func parse(_ text: String) throws(BenchInputError) -> BenchHistory {
        let value: ExpressionValue
        do {
            value = try JSONReader.parse(text)
        } catch {
            throw BenchInputError(path: "", message: "not JSON: \(error.message)")
        }
        guard case .object = value else { throw BenchInputError(path: "", message: "the top level is not an object") }
        guard let samplesValue = value.member("samples") else {
            throw BenchInputError(path: "", message: "no \"samples\" key")
        }
        guard case .array(let commits) = samplesValue else {
            throw BenchInputError(path: "samples", message: "is not an array of commits")
        }
        var samples: [[Double]] = []
        samples.reserveCapacity(commits.count)
        for (i, commit) in commits.enumerated() {
            guard case .array(let items) = commit else {
                throw BenchInputError(path: "samples[\(i)]", message: "is not an array of numbers")
            }
            var values: [Double] = []
            values.reserveCapacity(items.count)
            for (j, item) in items.enumerated() {
                guard case .number(let x) = item, x.isFinite else {
                    throw BenchInputError(path: "samples[\(i)][\(j)]", message: "is not a finite number")
                }
                values.append(x)
            }
            samples.append(values)
        }
        var machines: [String]?
        if let machinesValue = value.member("machines"), machinesValue != .null {
            guard case .array(let items) = machinesValue else {
                throw BenchInputError(path: "machines", message: "is not an array with one machine per commit")
            }
            guard items.count == samples.count else {
                throw BenchInputError(path: "machines",
                                      message: "has \(items.count) entries for \(samples.count) commits (one per commit expected)")
            }
            machines = try items.enumerated().map { (i, item) throws(BenchInputError) -> String in
                switch item {
                case .string(let s): return s
                case .number(let n): return ExpressionValue.formatNumber(n)
                default: throw BenchInputError(path: "machines[\(i)]", message: "is not a string or number")
                }
            }
        }
        return BenchHistory(samples: samples, machines: machines)
    }

    /// The history as JSON text in the input format, one commit per line; numbers are
    /// written in Swift's shortest round-trip form, so parsing the text gives back the same values.
    public func jsonText() -> String {
        var out = "{\"samples\": [\n"
        for (i, commit) in samples.enumerated() {
            out += "[" + commit.map { $0.description }.joined(separator: ",") + "]"
            out += i + 1 < samples.count ? ",\n" : "\n"
        }
        out += "]"
        if let machines {
            out += ",\n\"machines\": [" + machines.map(JSONWriter.quote).joined(separator: ",") + "]"
        }
        return out + "}\n"
    }
}

/// Benchmark input that is not in the expected shape.
public struct BenchInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the JSON document (`samples[3][1]`), empty for the document itself.
    public var path: String
    /// What is wrong.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        (path.isEmpty ? "" : path + " ") + message + "; expected " + BenchHistory.expectedShape
    }
}
