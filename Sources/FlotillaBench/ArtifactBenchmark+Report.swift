import FlotillaCore
import Foundation

extension ArtifactBenchmark {
    /// One JSON object, keys in a fixed order: medians over the runs, per-run figures, references and ratios.
    ///
    /// The ratios use the median; the best run is reported beside it because on a shared
    /// machine the fastest run is the one least disturbed by neighbours.
    ///
    /// MB/s are 10^6 bytes per second. `ratio_to_aes_gcm` and `ratio_to_combined` use AES-128-GCM
    /// (the acceptance criterion's reference); the `_aes_256_gcm` ratio uses the suite TLS 1.3
    /// negotiates by default. CPU shares are a loop thread's CPU time over the phase's elapsed
    /// time (1.0 = that thread was busy throughout); the upload share's CPU covers the whole
    /// run, whose other parts cost the loops little.
    func json(references: References, samples: [Sample]) -> String {
        let bytes = Double(UInt64(options.mebibytes) << 20)
        func megabytesPerSecond(_ micros: Int64) -> Double { bytes / Double(max(micros, 1)) }
        // Throughput from the median time (nearest rank), so the two always agree.
        let uploadMicros = Distribution(samples.map { Double($0.uploadMicros) }).p50
        let downloadMicros = Distribution(samples.map { Double($0.downloadMicros) }).p50
        let upload = bytes / uploadMicros, download = bytes / downloadMicros
        let aes128 = references.aes128GCM / 1e6, aes256 = references.aes256GCM / 1e6, sha = references.sha256 / 1e6
        let combined128 = 1 / (1 / aes128 + 1 / sha)
        let combined256 = 1 / (1 / aes256 + 1 / sha)
        func median(_ values: [Double]) -> Double { Distribution(values).p50 }
        func share(_ cpu: KeyPath<Sample, Int64>, _ elapsed: KeyPath<Sample, Int64>) -> String {
            fixed(median(samples.map { Double($0[keyPath: cpu]) / Double(max($0[keyPath: elapsed], 1)) }))
        }
        func list(_ values: [Double]) -> String { "[" + values.map(fixed).joined(separator: ",") + "]" }
        let fields: [(String, String)] = [
            ("benchmark", JSONWriter.quote("artifacts")),
            ("build", JSONWriter.quote(BenchReport.buildConfiguration)),
            ("mib", "\(options.mebibytes)"),
            ("runs", "\(samples.count)"),
            ("directory", JSONWriter.quote(directory)),
            ("throughput_mb_s", fixed(upload)),
            ("upload_elapsed_ms", fixed(uploadMicros / 1_000)),
            ("throughput_best_mb_s", fixed(bytes / Double(max(samples.map(\.uploadMicros).min() ?? 1, 1)))),
            ("upload_mb_s_runs", list(samples.map { megabytesPerSecond($0.uploadMicros) })),
            ("download_mb_s", fixed(download)),
            ("download_elapsed_ms", fixed(downloadMicros / 1_000)),
            ("download_best_mb_s", fixed(bytes / Double(max(samples.map(\.downloadMicros).min() ?? 1, 1)))),
            ("download_mb_s_runs", list(samples.map { megabytesPerSecond($0.downloadMicros) })),
            ("run_elapsed_ms", fixed(median(samples.map { Double($0.runMicros) / 1_000 }))),
            ("aes_128_gcm_mb_s", fixed(aes128)),
            ("aes_256_gcm_mb_s", fixed(aes256)),
            ("sha256_mb_s", fixed(sha)),
            ("combined_mb_s", fixed(combined128)),
            ("ratio_to_aes_gcm", fixed(upload / aes128)),
            ("ratio_to_sha256", fixed(upload / sha)),
            ("ratio_to_combined", fixed(upload / combined128)),
            ("ratio_to_combined_aes_256_gcm", fixed(upload / combined256)),
            ("download_ratio_to_combined", fixed(download / combined128)),
            ("upload_cpu_share", object([("agent_loop", share(\.agentLoopCPUMicros, \.uploadMicros)),
                                         ("coordinator_loop", share(\.coordinatorUploadCPUMicros, \.uploadMicros))])),
            ("download_cpu_share", object([("coordinator_loop", share(\.coordinatorDownloadCPUMicros, \.downloadMicros)),
                                           ("client_loop", share(\.clientDownloadCPUMicros, \.downloadMicros))])),
            ("reference_seconds", "\(options.referenceSeconds)"),
            ("machine", BenchReport.machine()),
        ]
        return object(fields)
    }

    private func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(JSONWriter.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    private func fixed(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "null" }
}
