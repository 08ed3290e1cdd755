#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// `flotilla-bench`: the benchmark harness. Speed figures live here, never in unit tests.
///
/// Exit codes: 0 report written, 1 a measurement failed, 2 usage error.
enum FlotillaBenchMain {
    static func main(_ arguments: [String]) -> Int32 {
        if arguments.first == "schedule" { return ScheduleBenchmark.main(Array(arguments.dropFirst())) }
        if arguments.first == "artifacts" { return ArtifactBenchmark.main(Array(arguments.dropFirst())) }
        let help = BenchOptions.usage + "\n\n" + ScheduleBenchmark.usage + "\n\n" + ArtifactBenchmark.usage
        return command(arguments, usage: BenchOptions.usage, help: help, parse: BenchOptions.parse) { options in
            do {
                switch options.command {
                case "core":
                    let result = try CoreScalingBenchmark(agents: options.agents, jobs: options.jobs,
                                                          referenceJobs: options.referenceJobs).run()
                    return emit(BenchReport.coreJSON(options: options, result: result), to: options.jsonPath)
                default:
                    return emit(try runDispatch(options), to: options.jsonPath)
                }
            } catch {
                printError("flotilla-bench: \(error)")
                return 1
            }
        }
    }

    /// The start every benchmark command shares: `--help`, parsing, the debug-build warning.
    ///
    /// - Parameters:
    ///   - usage: Printed after a usage error.
    ///   - help: Printed for `--help` or `-h` (default: `usage`).
    ///   - parse: Parses `arguments` into the command's options.
    ///   - run: Measures and reports; returns the exit code.
    /// - Returns: 0 after help, 2 after a usage error, else what `run` returns.
    static func command<Options>(_ arguments: [String], usage: String, help: String? = nil,
                                 parse: ([String]) throws(BenchError) -> Options,
                                 run: (Options) -> Int32) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help ?? usage)
            return 0
        }
        let options: Options
        do {
            options = try parse(arguments)
        } catch {
            printError("flotilla-bench: \(error)\n\n\(usage)")
            return 2
        }
        if BenchReport.buildConfiguration != "release" {
            printError("flotilla-bench: warning: debug build; figures are not representative (use swift build -c release)")
        }
        return run(options)
    }

    /// Runs the fleet benchmark in a fresh temporary directory (removed unless `--keep`).
    private static func runDispatch(_ options: BenchOptions) throws(BenchError) -> String {
        let base = NSTemporaryDirectory()
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "flotilla-bench-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw .setup("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: created)
        defer {
            if options.keep {
                printError("flotilla-bench: kept \(directory)")
            } else {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        return try DispatchBenchmark(options: options, directory: directory).run().json()
    }

    /// Prints the report and, when asked, writes it to `path`.
    static func emit(_ json: String, to path: String?) -> Int32 {
        print(json)
        guard let path else { return 0 }
        do {
            try (json + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return 0
        } catch {
            printError("flotilla-bench: cannot write \(path): \(error)")
            return 1
        }
    }
}

/// Writes a line to standard error, unbuffered.
func printError(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}

exit(FlotillaBenchMain.main(Array(CommandLine.arguments.dropFirst())))
