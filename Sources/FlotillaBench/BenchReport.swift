#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaAgent
import FlotillaCore
import Foundation
import WireProtocol

/// The figures of one `flotilla-bench dispatch` run and their JSON form.
///
/// Ratios compare against references measured in the same process and run:
/// `latency_ratio_p50` = dispatch p50 / direct-spawn p50 (1 would mean Flotilla adds
/// nothing to starting bash; lower is better); `throughput_ratio` = Flotilla jobs/s /
/// direct-spawn jobs/s (higher is better, 1 is the ceiling).
struct BenchReport {
    let options: BenchOptions
    let latency: DispatchBenchmark.LatencyResult
    let throughput: DispatchBenchmark.ThroughputResult

    /// "release" unless compiled with `DEBUG` (SwiftPM's debug configuration).
    static var buildConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    /// One JSON object, keys in a fixed order, ms with three decimals.
    func json() -> String {
        let fields: [(String, String)] = [
            ("benchmark", JSONWriter.quote("dispatch")),
            ("build", JSONWriter.quote(Self.buildConfiguration)),
            ("agents", "\(options.agents)"),
            ("jobs", "\(options.jobs)"),
            ("latency_samples", "\(latency.dispatch.count)"),
            ("dispatch_latency_ms", object([("p50", ms(latency.dispatch.p50)), ("p99", ms(latency.dispatch.p99)),
                                            ("max", ms(latency.dispatch.max))])),
            ("reference_spawn_ms", object([("p50", ms(latency.reference.p50)), ("p99", ms(latency.reference.p99)),
                                           ("max", ms(latency.reference.max))])),
            ("latency_ratio_p50", ratio(latency.dispatch.p50 / latency.reference.p50)),
            ("dispatch_breakdown_p50_ms", object([
                ("coordinator_to_agent", ms(latency.coordinatorToAgent.p50)),
                ("agent_to_runner", ms(latency.agentToRunner.p50)),
                ("runner_to_process", ms(latency.runnerToProcess.p50)),
            ])),
            ("return_path_p50_ms", object([
                ("process_to_runner_finished", ms(latency.processToRunnerFinished.p50)),
                ("runner_finished_to_client", ms(latency.runnerFinishedToClient.p50)),
            ])),
            ("single_job_run_ms", object([("p50", ms(latency.roundTrip.p50)), ("p99", ms(latency.roundTrip.p99))])),
            ("throughput_jobs_per_s", String(format: "%.1f", throughput.jobsPerSecond)),
            ("reference_jobs_per_s", String(format: "%.1f", throughput.referenceJobsPerSecond)),
            ("throughput_ratio", ratio(throughput.jobsPerSecond / throughput.referenceJobsPerSecond)),
            ("throughput_elapsed_ms", ms(throughput.elapsedMillis)),
            ("reference_elapsed_ms", ms(throughput.referenceElapsedMillis)),
            ("cpu_ms_per_job", ms(throughput.cpuMicrosPerJob / 1_000)),
            ("coordinator_cpu_ms_per_job", ms(throughput.coordinatorCPUMicrosPerJob / 1_000)),
            ("reference_cpu_ms_per_job", ms(throughput.referenceCPUMicrosPerJob / 1_000)),
            ("machine", Self.machine()),
        ]
        return Self.object(fields)
    }

    /// The core-scaling report (`flotilla-bench core`).
    static func coreJSON(options: BenchOptions, result: CoreScalingBenchmark.Result) -> String {
        object([
            ("benchmark", JSONWriter.quote("coordinator_core")),
            ("build", JSONWriter.quote(buildConfiguration)),
            ("agents", "\(options.agents)"),
            ("jobs", "\(options.jobs)"),
            ("reference_jobs", "\(options.referenceJobs)"),
            ("us_per_job", fixed(result.microsPerJob)),
            ("reference_us_per_job", fixed(result.referenceMicrosPerJob)),
            ("scaling_ratio", fixed(result.microsPerJob / result.referenceMicrosPerJob)),
            ("machine", machine()),
        ])
    }

    /// Cores, CPU model, kernel and the 1-minute load average (the machine may be shared).
    static func machine() -> String {
        let fingerprint = MachineFingerprint.probe()
        var load = [Double](repeating: 0, count: 3)
        let loadKnown = getloadavg(&load, 3) == 3
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return object([
            ("cores", "\(cores)"),
            ("cpu", JSONWriter.quote(fingerprint.cpuModel)),
            ("kernel", JSONWriter.quote(fingerprint.kernel)),
            ("loadavg_1m", loadKnown ? String(format: "%.2f", load[0]) : "null"),
        ])
    }

    private static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(JSONWriter.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    private static func fixed(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "null" }
    private func object(_ fields: [(String, String)]) -> String { Self.object(fields) }
    private func ms(_ value: Double) -> String { Self.fixed(value) }
    private func ratio(_ value: Double) -> String { Self.fixed(value) }
}
