#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaNet
import Foundation
import WireProtocol

/// `flotilla-bench artifacts`: artifact upload and download throughput over loopback TLS,
/// against the single-thread speed of the two primitives every byte goes through.
///
/// One process holds a coordinator, one agent and a client on three event loops (`BenchFleet`).
/// Each run is one job whose step writes an N MiB file (zeros, its first bytes stamped with the
/// run id so no two runs share content and none is deduplicated) and declares it as an artifact.
///
/// Upload time is the coordinator's "artifact stored" log mark minus the agent runner's
/// "artifacts collected" mark, both `CLOCK_REALTIME` taken in the log sink on the thread that
/// logged. "artifacts collected" is logged after the file was found and measured, immediately
/// before the runner hands the collection to the agent's loop, which sends the first
/// `ArtifactBegin` one loop hop later; "artifact stored" is logged once the coordinator has
/// received every chunk, checked size and SHA-256, fsynced and renamed the file and recorded it
/// in the run's manifest, immediately before its `ArtifactAck(stored)` goes out. The file's
/// creation (the step) is outside the window. Download time is `FetchArtifact` queued on the
/// client → the verified file synced and renamed (`ArtifactFetcher`).
///
/// Throughput is in MB/s (10^6 bytes per second, as `openssl speed` counts). The references
/// are `openssl speed -evp aes-128-gcm|aes-256-gcm|sha256 -bytes 16384` on one thread, run in
/// the same process before the fleet starts. Each side of a transfer encrypts or decrypts and
/// hashes every byte on one loop thread, so `combined` = 1 / (1/aes + 1/sha) is that thread's
/// ceiling; the two sides run on different threads, so the pipeline's ceiling is the same.
/// TLS 1.3 with OpenSSL's default suites negotiates TLS_AES_256_GCM_SHA384, hence the
/// AES-256-GCM figure beside the AES-128-GCM one the acceptance criterion names.
struct ArtifactBenchmark {
    struct Options: Equatable {
        var mebibytes = 512
        var runs = 5
        var referenceSeconds = 3
        var jsonPath: String?
        var keep = false
    }

    /// One run's figures.
    struct Sample {
        var uploadMicros: Int64
        var downloadMicros: Int64
        /// `SubmitRun` written → `RunFinished` decoded (includes making the file).
        var runMicros: Int64
        /// Loop-thread CPU during the run (upload) and during the download.
        var agentLoopCPUMicros: Int64
        var coordinatorUploadCPUMicros: Int64
        var coordinatorDownloadCPUMicros: Int64
        var clientDownloadCPUMicros: Int64
    }

    /// The references, in bytes per second.
    struct References {
        var aes128GCM: Double
        var aes256GCM: Double
        var sha256: Double
    }

    static let usage = """
        usage: flotilla-bench artifacts [--mib N] [--runs N] [--reference-seconds N] [--json FILE] [--keep]

        Starts a coordinator, one agent and a client in this process over loopback TLS. Each run is one job
        that writes an N MiB file and declares it as an artifact; it measures
          upload    the agent's first ArtifactBegin -> the coordinator's stored ack (verified, fsynced, recorded);
          download  the client's FetchArtifact -> the verified file synced and renamed, as `artifacts get` does.
        References, measured first in the same run: `openssl speed -evp aes-128-gcm`, `aes-256-gcm` and `sha256`
        (one thread, 16384-byte blocks). Reports MB/s (10^6 bytes/s), the median and best run, and the ratios
        of the median to AES-GCM, to SHA-256 and to both in sequence (1 / (1/aes + 1/sha), one core's ceiling).
        Files go under $TMPDIR (default /tmp); TMPDIR=/dev/shm takes the disk out of the figures.

          --mib N                artifact size in MiB, 1-8192 (default 512)
          --runs N               measured runs, 1-100 (default 5)
          --reference-seconds N  seconds per openssl speed measurement, 1-60 (default 3)
          --json FILE            also write the report to FILE
          --keep                 keep the temporary directory and print its path
        """

    let options: Options
    /// Holds `pki/`, `coordinator/`, `agents/`, the source, bundle and downloads.
    let directory: String

    /// Parses the arguments after `artifacts`.
    static func parse(_ arguments: [String]) throws(BenchError) -> Options {
        var options = Options()
        var arguments = BenchArguments(arguments)
        while let option = arguments.next() {
            switch option {
            case "--mib": options.mebibytes = try arguments.integer(1...8_192)
            case "--runs": options.runs = try arguments.integer(1...100)
            case "--reference-seconds": options.referenceSeconds = try arguments.integer(1...60)
            case "--json": options.jsonPath = try arguments.value()
            case "--keep": options.keep = true
            default: throw .usage("unknown option '\(option)' for artifacts")
            }
        }
        return options
    }

    /// `flotilla-bench artifacts ARGUMENTS`: parses, measures in a fresh temporary directory
    /// (removed unless `--keep`), prints the report; returns the exit code.
    static func main(_ arguments: [String]) -> Int32 {
        FlotillaBenchMain.command(arguments, usage: usage, parse: parse, run: measure)
    }

    /// Measures in a fresh temporary directory (removed unless `--keep`) and prints the report.
    private static func measure(_ options: Options) -> Int32 {
        let base = NSTemporaryDirectory()
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "flotilla-bench-artifacts-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            printError("flotilla-bench: cannot create a temporary directory under \(base): \(String(cString: strerror(errno)))")
            return 1
        }
        let directory = String(cString: created)
        defer {
            if options.keep {
                printError("flotilla-bench: kept \(directory)")
            } else {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        do {
            let benchmark = ArtifactBenchmark(options: options, directory: directory)
            let (references, samples) = try benchmark.run()
            return FlotillaBenchMain.emit(benchmark.json(references: references, samples: samples), to: options.jsonPath)
        } catch {
            printError("flotilla-bench: \(error)")
            return 1
        }
    }

    /// Measures the references, then `options.runs` upload-and-download runs.
    func run() throws(BenchError) -> (References, [Sample]) {
        let references = References(
            aes128GCM: try OpenSSLSpeed.bytesPerSecond("aes-128-gcm", seconds: options.referenceSeconds),
            aes256GCM: try OpenSSLSpeed.bytesPerSecond("aes-256-gcm", seconds: options.referenceSeconds),
            sha256: try OpenSSLSpeed.bytesPerSecond("sha256", seconds: options.referenceSeconds))
        try makeDirectory(directory + "/downloads")
        let sink = TimestampLogSink()
        let fleet = try BenchFleet.start(directory: directory, agentCount: 1, sink: sink)
        defer { fleet.shutdown() }
        let client = fleet.client
        let fetcher = try runOnLoop(fleet.clientLoop, "installing the artifact fetcher") {
            LoopBound(ArtifactFetcher(client: client.value), eventLoop: fleet.clientLoop)
        }
        let bundle = try makeBundle()
        var samples: [Sample] = []
        for _ in 0..<options.runs {
            samples.append(try measure(fleet, fetcher: fetcher, bundle: bundle, sink: sink))
        }
        return (references, samples)
    }

    private var pipeline: String {
        """
        name: artifact throughput
        on: [push]
        jobs:
          produce:
            runs-on: \(BenchFleet.label)
            steps:
              - name: write the artifact
                run: |
                  dd if=/dev/zero of=artifact.bin bs=1M count=\(options.mebibytes) status=none
                  printf 'flotilla-bench %s' "$FLOTILLA_RUN_ID" | dd of=artifact.bin conv=notrunc status=none
            artifacts:
              - path: artifact.bin
        """
    }

    /// One run: upload through the job, then download through the client; removes both copies.
    private func measure(_ fleet: BenchFleet, fetcher: LoopBound<ArtifactFetcher>, bundle: Bundle,
                         sink: TimestampLogSink) throws(BenchError) -> Sample {
        let size = UInt64(options.mebibytes) << 20
        let submit = SubmitRun(pipelineFileName: "bench-artifacts.yml", pipelineText: pipeline, bundleSHA256: bundle.sha256,
                               bundleSize: bundle.size, sourceRevision: "bench")
        let agentBefore = try loopCPU(fleet.agentLoop)
        let coordinatorBefore = try fleet.coordinatorCPUMicros()
        // Generous: a slow disk writes and fsyncs the file twice (workspace, store).
        let completed = try fleet.run(submit, bundlePath: bundle.path, seconds: max(120, Double(options.mebibytes) / 4))
        let agentCPU = try loopCPU(fleet.agentLoop) - agentBefore
        let coordinatorUploadCPU = try fleet.coordinatorCPUMicros() - coordinatorBefore
        let runID = completed.runID
        guard completed.result.outcome == .succeeded else {
            throw .runFailed("run \(runID) ended \(completed.result.outcome)")
        }
        let marks = sink.marks(forRun: runID)
        guard let collected = marks[TimestampLogSink.Milestone.artifactsCollected],
              let stored = marks[TimestampLogSink.Milestone.artifactStored] else {
            throw .runFailed("run \(runID): missing log marks (have \(marks.keys.sorted()))")
        }
        let records = try runOnLoop(fleet.clientLoop, "reading stored artifacts") { fetcher.value.storedArtifacts(ofRun: runID) }
        guard records.count == 1, let record = records.first, record.size == size else {
            throw .runFailed("run \(runID) stored \(records.map { "\($0.name) (\($0.size) bytes)" }), expected one of \(size) bytes")
        }
        let storePath = "\(directory)/coordinator/artifacts/sha256/\(record.sha256.prefix(2))/\(record.sha256)"
        let downloadPath = "\(directory)/downloads/\(record.name)"
        defer {
            unlink(downloadPath)
            unlink(storePath)
        }

        let coordinatorDownloadBefore = try fleet.coordinatorCPUMicros()
        let clientBefore = try loopCPU(fleet.clientLoop)
        let done = Completion<Result<ArtifactFetcher.Download, BenchError>>()
        guard fleet.clientLoop.execute({ fetcher.value.download(record, ofRun: runID, to: downloadPath) { done.resolve($0) } }) else {
            throw .session("the client loop has shut down")
        }
        guard let result = done.wait(seconds: max(120, Double(options.mebibytes) / 4)) else {
            throw .timedOut("downloading \(record.name) of run \(runID)")
        }
        let download = try result.get()
        let clientCPU = try loopCPU(fleet.clientLoop) - clientBefore
        let coordinatorDownloadCPU = try fleet.coordinatorCPUMicros() - coordinatorDownloadBefore
        return Sample(uploadMicros: stored - collected,
                      downloadMicros: download.completedMonotonic - download.requestedMonotonic,
                      runMicros: completed.finishedMonotonic - completed.submittedMonotonic,
                      agentLoopCPUMicros: agentCPU, coordinatorUploadCPUMicros: coordinatorUploadCPU,
                      coordinatorDownloadCPUMicros: coordinatorDownloadCPU, clientDownloadCPUMicros: clientCPU)
    }

    // MARK: Helpers

    private struct Bundle { var path: String; var sha256: String; var size: UInt64 }

    private func makeBundle() throws(BenchError) -> Bundle {
        let source = directory + "/src"
        try makeDirectory(source)
        do {
            try "flotilla-bench artifacts source\n".write(toFile: source + "/README", atomically: true, encoding: .utf8)
            let path = directory + "/source.bundle"
            let info = try SourceBundleBuilder.build(sourceDirectory: source, outputPath: path)
            return Bundle(path: path, sha256: info.sha256, size: info.size)
        } catch {
            throw .setup("cannot bundle \(source): \(error)")
        }
    }

    /// CPU time the loop's thread has used so far, in µs.
    private func loopCPU(_ loop: EventLoop) throws(BenchError) -> Int64 {
        try runOnLoop(loop, "reading a loop's CPU time") { CPUTime.currentThreadMicros() }
    }

    private func makeDirectory(_ path: String) throws(BenchError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .setup("cannot create \(path): \(error)")
        }
    }
}
