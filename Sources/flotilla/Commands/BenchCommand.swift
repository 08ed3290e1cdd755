#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore

/// `flotilla bench detect|evaluate|generate`: the benchmark-regression detector on recorded
/// histories, its evaluation on a corpus against the naive rule, and the corpus generator.
enum BenchCommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        guard let subcommand = arguments.first else {
            throw UsageError(command: "bench", message: "missing subcommand (expected detect, evaluate, generate or report)")
        }
        let rest = Array(arguments.dropFirst())
        switch subcommand {
        case "detect": return try detect(rest)
        case "evaluate": return try evaluate(rest)
        case "generate": return try generate(rest)
        case "report": return try report(rest)
        default:
            throw UsageError(command: "bench", message: "unknown subcommand '\(subcommand)' (expected detect, evaluate, generate or report)")
        }
    }

    /// `flotilla bench detect [--effect PERCENT] [--explain] < history.json`: prints `{"flags": [...]}`.
    static func detect(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "bench detect", arguments: arguments, valueOptions: ["effect"], flagOptions: ["explain"])
        try args.noExtraPositionals(after: 0)
        let detector = RegressionDetector(configuration: .init(minEffect: try minEffect(args)))
        guard let bytes = readAll(STDIN_FILENO) else {
            printError("flotilla bench detect: cannot read standard input: \(String(cString: strerror(errno)))")
            return ExitCode.unrunnable
        }
        let history: BenchHistory
        do {
            history = try BenchHistory.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            printError("flotilla bench detect: standard input: \(error)")
            return ExitCode.unrunnable
        }
        let flags = detector.detect(samples: history.samples, machines: history.machines)
        if args.flag("explain") { for flag in flags { printError(BenchReport.explain(flag)) } }
        printLine(BenchReport.flagsJSON(flags.map(\.commit)))
        return ExitCode.success
    }

    /// `flotilla bench evaluate --corpus DIR [--json] [--effect PERCENT]`: the detector and the
    /// naive rule scored against the corpus's ground truth.
    static func evaluate(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "bench evaluate", arguments: arguments, valueOptions: ["corpus", "effect"],
                                    flagOptions: ["json"])
        try args.noExtraPositionals(after: 0)
        let directory = try args.required("corpus", "DIR (a directory with manifest.json, e.g. Tests/FlotillaCoreTests/Fixtures/bench-corpus)")
        let detector = RegressionDetector(configuration: .init(minEffect: try minEffect(args)))
        let manifestPath = directory + "/" + BenchCorpus.manifestFileName
        guard let manifestText = readFile(manifestPath) else { return ExitCode.unrunnable }
        let manifest: (seed: UInt64, truths: [BenchHistoryTruth])
        do { manifest = try BenchCorpus.parseManifest(manifestText) } catch {
            printError("flotilla bench evaluate: \(manifestPath): \(error)")
            return ExitCode.unrunnable
        }
        var entries: [(truth: BenchHistoryTruth, history: BenchHistory)] = []
        for truth in manifest.truths {
            let path = directory + "/" + truth.file
            guard let text = readFile(path) else { return ExitCode.unrunnable }
            do {
                let history = try BenchHistory.parse(text)
                guard history.samples.count == truth.commits else {
                    printError("flotilla bench evaluate: \(path) has \(history.samples.count) commits, the manifest says \(truth.commits)")
                    return ExitCode.unrunnable
                }
                entries.append((truth, history))
            } catch {
                printError("flotilla bench evaluate: \(path): \(error)")
                return ExitCode.unrunnable
            }
        }
        let comparison = BenchEvaluation.evaluate(entries, detector: detector)
        printLine(args.flag("json") ? BenchReport.json(comparison, seed: manifest.seed)
                                    : BenchReport.text(comparison, seed: manifest.seed))
        return ExitCode.success
    }

    /// `flotilla bench generate --out DIR [--seed N] [--force]`: writes a corpus (the checked-in
    /// one is `--seed 20261124`).
    static func generate(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "bench generate", arguments: arguments, valueOptions: ["out", "seed"],
                                    flagOptions: ["force"])
        try args.noExtraPositionals(after: 0)
        let directory = try args.required("out", "DIR to write the corpus into")
        var seed = BenchCorpusGenerator.defaultSeed
        if let text = args.value("seed") {
            guard let value = UInt64(text) else {
                throw UsageError(command: "bench generate", message: "--seed expects a whole number from 0 to \(UInt64.max), got '\(text)'")
            }
            seed = value
        }
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            printError("flotilla bench generate: cannot create \(directory): \(String(cString: strerror(errno)))")
            return ExitCode.unrunnable
        }
        let manifestPath = directory + "/" + BenchCorpus.manifestFileName
        if access(manifestPath, F_OK) == 0 && !args.flag("force") {
            printError("flotilla bench generate: \(manifestPath) exists; give --force to overwrite the corpus")
            return ExitCode.unrunnable
        }
        let corpus = BenchCorpusGenerator.generate(seed: seed)
        for entry in corpus.entries {
            guard writeFile(directory + "/" + entry.truth.file, entry.history.jsonText()) else { return ExitCode.unrunnable }
        }
        guard writeFile(manifestPath, corpus.manifestText()) else { return ExitCode.unrunnable }
        printLine("wrote \(corpus.entries.count) histories and \(BenchCorpus.manifestFileName) to \(directory) (seed \(seed))")
        return ExitCode.success
    }

    /// `--effect PERCENT` (default 5) as a fraction; "5", "5%" and "2.5" are accepted.
    static func minEffect(_ args: ArgumentList) throws(UsageError) -> Double {
        guard var text = args.value("effect") else { return 0.05 }
        if text.hasSuffix("%") { text.removeLast() }
        guard let percent = Double(text), percent.isFinite, percent >= 0, percent < 1000 else {
            throw UsageError(command: args.command, message: "--effect expects a percentage from 0 to 1000 such as 5 or 2.5, got '\(args.value("effect")!)'")
        }
        return percent / 100
    }

    /// Every byte readable from a file descriptor, or `nil` on a read error.
    private static func readAll(_ fd: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return bytes }
            bytes += buffer[0..<n]
        }
    }

    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, let bytes = readAll(fd) else {
            printError("flotilla bench: cannot read \(path): \(String(cString: strerror(errno)))")
            if fd >= 0 { close(fd) }
            return nil
        }
        close(fd)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func writeFile(_ path: String, _ text: String) -> Bool {
        guard let file = fopen(path, "wb") else {
            printError("flotilla bench generate: cannot write \(path): \(String(cString: strerror(errno)))")
            return false
        }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, file)
        let closed = fclose(file)
        guard written == bytes.count && closed == 0 else {
            printError("flotilla bench generate: cannot write \(path): \(String(cString: strerror(errno)))")
            return false
        }
        return true
    }
}
