/// The noise a corpus history was generated with.
public enum BenchNoiseKind: String, CaseIterable, Sendable {
    /// Normal samples, CV 1–10%.
    case gaussian
    /// Log-normal samples (σ of the log 0.01–0.1, so CV 1–10%): a longer upper tail.
    case lognormal
    /// Each sample from one of two modes 10–40% apart, the slow mode 15–50% of the time.
    case bimodal
    /// Normal samples on a level that drifts 0.05–0.3% per commit.
    case drift
    /// Normal samples with bursts of 1–4 commits where 5–20% of samples are 1.5–4× too slow.
    case outliers
    /// Normal samples from 2–3 machine classes 0.7–1.5× apart, each commit on one of them.
    case machines
}

/// A change planted in a corpus history: a step (lasting) or a spike (one commit).
public struct BenchEvent: Sendable, Equatable {
    /// The commit index where it starts.
    public var at: Int
    /// The relative rise (0.1 = +10%).
    public var size: Double

    public init(at: Int, size: Double) {
        self.at = at
        self.size = size
    }
}

/// The ground truth of one corpus history: what was planted where, and the noise around it.
public struct BenchHistoryTruth: Sendable, Equatable {
    /// The history's file name in the corpus directory.
    public var file: String
    public var kind: BenchNoiseKind
    /// Number of commits.
    public var commits: Int
    /// Samples per commit.
    public var repeats: Int
    /// The noise level: CV for normal noise, σ of the log for log-normal, within-mode CV for bimodal.
    public var noise: Double
    /// Run-to-run variation of the level, as a relative standard deviation.
    public var runJitter: Double
    /// Lasting steps (at most one per history).
    public var steps: [BenchEvent]
    /// One-commit spikes that revert.
    public var spikes: [BenchEvent]
    /// Kind-specific parameters in words (drift rate, modes, bursts, machine offsets).
    public var detail: String

    public init(file: String, kind: BenchNoiseKind, commits: Int, repeats: Int, noise: Double, runJitter: Double,
                steps: [BenchEvent], spikes: [BenchEvent], detail: String) {
        self.file = file
        self.kind = kind
        self.commits = commits
        self.repeats = repeats
        self.noise = noise
        self.runJitter = runJitter
        self.steps = steps
        self.spikes = spikes
        self.detail = detail
    }
}

/// A generated corpus: histories in the `bench detect` input format and their ground truth.
public struct BenchCorpus: Sendable, Equatable {
    /// The seed it was generated from.
    public var seed: UInt64
    public var entries: [(truth: BenchHistoryTruth, history: BenchHistory)]

    public init(seed: UInt64, entries: [(truth: BenchHistoryTruth, history: BenchHistory)]) {
        self.seed = seed
        self.entries = entries
    }

    public static func == (a: BenchCorpus, b: BenchCorpus) -> Bool {
        a.seed == b.seed && a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.truth == $1.truth && $0.history == $1.history }
    }

    /// The manifest's file name in a corpus directory.
    public static let manifestFileName = "manifest.json"

    /// The manifest JSON: the generator's seed and every history's ground truth, one per line.
    public func manifestText() -> String {
        var out = "{\"generator\": \"flotilla bench generate\", \"seed\": \(seed), \"histories\": [\n"
        for (i, entry) in entries.enumerated() {
            let t = entry.truth
            func events(_ list: [BenchEvent]) -> String {
                "[" + list.map { "{\"at\": \($0.at), \"size\": \($0.size.description)}" }.joined(separator: ", ") + "]"
            }
            out += "{\"file\": \(JSONWriter.quote(t.file)), \"kind\": \"\(t.kind.rawValue)\", \"commits\": \(t.commits), "
                + "\"repeats\": \(t.repeats), \"noise\": \(t.noise.description), \"run_jitter\": \(t.runJitter.description), "
                + "\"steps\": \(events(t.steps)), \"spikes\": \(events(t.spikes)), \"detail\": \(JSONWriter.quote(t.detail))}"
            out += i + 1 < entries.count ? ",\n" : "\n"
        }
        return out + "]}\n"
    }

    /// Parses a manifest's ground truth (the histories themselves are separate files).
    /// - Throws: `BenchInputError` naming the bad entry.
    public static func parseManifest(_ text: String) throws(BenchInputError) -> (seed: UInt64, truths: [BenchHistoryTruth]) {
        let value: ExpressionValue
        do { value = try JSONReader.parse(text) } catch {
            throw BenchInputError(path: "manifest", message: "is not JSON: \(error.message)")
        }
        guard case .array(let items)? = value.member("histories") else {
            throw BenchInputError(path: "manifest", message: "has no \"histories\" array")
        }
        var seed: UInt64 = 0
        if case .number(let n)? = value.member("seed"), n >= 0, n < 0x1p64 { seed = UInt64(n) }
        var truths: [BenchHistoryTruth] = []
        for (i, item) in items.enumerated() {
            let path = "manifest histories[\(i)]"
            func number(_ key: String) throws(BenchInputError) -> Double {
                guard case .number(let n)? = item.member(key), n.isFinite else {
                    throw BenchInputError(path: path, message: "has no number \"\(key)\"")
                }
                return n
            }
            func events(_ key: String) throws(BenchInputError) -> [BenchEvent] {
                guard case .array(let list)? = item.member(key) else {
                    throw BenchInputError(path: path, message: "has no array \"\(key)\"")
                }
                var out: [BenchEvent] = []
                for event in list {
                    guard case .number(let at)? = event.member("at"), case .number(let size)? = event.member("size") else {
                        throw BenchInputError(path: path, message: "has a \"\(key)\" entry without \"at\" and \"size\"")
                    }
                    out.append(BenchEvent(at: Int(at), size: size))
                }
                return out
            }
            guard case .string(let file)? = item.member("file"),
                  case .string(let kindName)? = item.member("kind"), let kind = BenchNoiseKind(rawValue: kindName) else {
                throw BenchInputError(path: path, message: "needs \"file\" and a \"kind\" of "
                                      + BenchNoiseKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var detail = ""
            if case .string(let d)? = item.member("detail") { detail = d }
            truths.append(BenchHistoryTruth(file: file, kind: kind, commits: Int(try number("commits")),
                                            repeats: Int(try number("repeats")), noise: try number("noise"),
                                            runJitter: try number("run_jitter"), steps: try events("steps"),
                                            spikes: try events("spikes"), detail: detail))
        }
        return (seed, truths)
    }
}
