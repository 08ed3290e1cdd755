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
        if arguments.contains("--help") || arguments.contains("-h") {
            print(BenchOptions.usage + "\n\n" + ScheduleBenchmark.usage + "\n\n" + ArtifactBenchmark.usage)
            return 0
        }
        let options: BenchOptions
        do {
            options = try BenchOptions.parse(arguments)
        } catch {
            printError("flotilla-bench: \(error)\n\n\(BenchOptions.usage)")
            return 2
        }
        if BenchReport.buildConfiguration != "release" {
            printError("flotilla-bench: warning: debug build; figures are not representative (use swift build -c release)")
        }
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
