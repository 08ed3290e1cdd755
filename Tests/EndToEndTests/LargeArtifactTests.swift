#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

extension EndToEndTests {
    /// A 1 GiB artifact through a real coordinator and agent: both stay within a fixed memory
    /// budget while it streams, and the download verifies with `sha256sum -c`.
    @Suite("Large artifact")
    struct LargeArtifactTests {
        static let artifactBytes = 1 << 30
        /// Growth of resident memory allowed while the artifact streams (issue 4).
        static let allowedGrowthKiB = 64 * 1024

        @Test("a 1 GiB artifact streams with < 64 MiB RSS growth on agent and coordinator; the download passes sha256sum -c")
        func gigabyteArtifact() async throws {
            let harness = try FlotillaHarness("artifacts-large")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["bulk"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            let agent = try await harness.startAgent(name: "bulk", labels: ["linux"], pki: pki, port: port,
                                                     coordinator: coordinator)
            let source = try harness.directory.makeDirectory("source")
            try harness.directory.write("large artifact source\n", to: "source/README")
            // The step makes the file, then holds the job until the test has read the baselines,
            // so the baseline is taken with the job running and the upload not yet begun.
            let ready = harness.directory.file("file-ready")
            let go = harness.directory.file("upload-go")
            let pipeline = try harness.writePipeline("""
                name: large-artifact
                jobs:
                  big:
                    runs-on: [linux]
                    steps:
                      - run: |
                          dd if=/dev/zero of=big.bin bs=1M count=\(Self.artifactBytes >> 20) status=none
                          touch '\(ready)'
                          for i in $(seq 1 1200); do [ -e '\(go)' ] && exit 0; sleep 0.05; done
                          exit 1
                    artifacts:
                      - path: big.bin
                """)
            let remote = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]

            let run = try harness.start(["run", pipeline, "--source", source] + remote, label: "run")
            var agentMemory: MemoryWatch?
            var coordinatorMemory: MemoryWatch?
            let deadline = ContinuousClock.now + .seconds(300)
            while run.isRunning && ContinuousClock.now < deadline {
                if agentMemory == nil, FileManager.default.fileExists(atPath: ready) {
                    agentMemory = try MemoryWatch(pid: agent.pid, name: "agent")
                    coordinatorMemory = try MemoryWatch(pid: coordinator.pid, name: "coordinator")
                    try harness.directory.write("", to: "upload-go")
                }
                try agentMemory?.sample()
                try coordinatorMemory?.sample()
                try await Task.sleep(for: .milliseconds(50))
            }
            let finished = try await harness.finish(run, timeout: .seconds(5))
            #expect(finished.termination == .exited(0), "\(finished.transcript)")
            #expect(finished.stdout.contains("artifact big.bin: \(Self.artifactBytes) bytes"), "\(finished.stdout)")
            let agentWatch = try #require(agentMemory, "the step never signalled that the file was ready:\n\(finished.transcript)")
            let coordinatorWatch = try #require(coordinatorMemory)
            // Read the high-water marks while the agent is still alive: they catch peaks between samples.
            try agentWatch.sample()
            try coordinatorWatch.sample()
            #expect(agentWatch.growthKiB < Self.allowedGrowthKiB, "\(agentWatch)")
            #expect(coordinatorWatch.growthKiB < Self.allowedGrowthKiB, "\(coordinatorWatch)")
            let runID = try #require(ArtifactTests.runID(finished.stdout), "no run id in:\n\(finished.stdout)")

            // The coordinator streams it back out within the same budget.
            let output = harness.directory.file("downloaded")
            defer { try? FileManager.default.removeItem(atPath: output) }
            let get = try harness.start(["artifacts", "get", runID, "--all", "-o", output] + remote, label: "get")
            let getDeadline = ContinuousClock.now + .seconds(300)
            while get.isRunning && ContinuousClock.now < getDeadline {
                try coordinatorWatch.sample()
                try await Task.sleep(for: .milliseconds(50))
            }
            let downloaded = try await harness.finish(get, timeout: .seconds(5))
            #expect(downloaded.termination == .exited(0), "\(downloaded.transcript)")
            try coordinatorWatch.sample()
            #expect(coordinatorWatch.growthKiB < Self.allowedGrowthKiB, "after the download: \(coordinatorWatch)")

            let (sums, transcript) = try await ArtifactTests.checkSums(harness, in: output)
            #expect(sums == .exited(0), "\(transcript)")
            #expect(transcript.contains("big.bin: OK"), "\(transcript)")
            #expect(coordinator.isRunning && agent.isRunning, "\(coordinator.transcript)\n\(agent.transcript)")
        }
    }
}

/// Resident memory of one process, sampled from `/proc/PID/status`, against a baseline.
///
/// Growth is the peak minus the baseline RSS. The peak is the largest sampled VmRSS, or the
/// final VmHWM when the high-water mark rose after the baseline (a peak between samples);
/// a high-water mark set before the baseline (start-up) does not count.
final class MemoryWatch: CustomStringConvertible {
    struct Reading { var rssKiB: Int; var hwmKiB: Int }

    let pid: pid_t
    let name: String
    let baseline: Reading
    private(set) var maxRSSKiB: Int
    private(set) var lastHWMKiB: Int
    private(set) var samples = 0

    init(pid: pid_t, name: String) throws {
        self.pid = pid
        self.name = name
        baseline = try Self.read(pid)
        maxRSSKiB = baseline.rssKiB
        lastHWMKiB = baseline.hwmKiB
    }

    /// Takes one reading.
    func sample() throws {
        let reading = try Self.read(pid)
        maxRSSKiB = max(maxRSSKiB, reading.rssKiB)
        lastHWMKiB = reading.hwmKiB
        samples += 1
    }

    /// The peak seen since the baseline, in KiB.
    var peakKiB: Int { lastHWMKiB > baseline.hwmKiB ? max(lastHWMKiB, maxRSSKiB) : maxRSSKiB }

    var growthKiB: Int { peakKiB - baseline.rssKiB }

    var description: String {
        "\(name) (pid \(pid)): RSS \(baseline.rssKiB) KiB at the baseline, peak \(peakKiB) KiB "
            + "(max sampled RSS \(maxRSSKiB), VmHWM \(baseline.hwmKiB) -> \(lastHWMKiB)), growth \(growthKiB) KiB "
            + "over \(samples) samples"
    }

    /// VmRSS and VmHWM of `pid`.
    static func read(_ pid: pid_t) throws -> Reading {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") else {
            throw HarnessError("cannot read /proc/\(pid)/status (\(procState(pid)))")
        }
        var values: [String: Int] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "VmRSS" || fields[0] == "VmHWM", let kib = Int(fields[1]) else { continue }
            values[String(fields[0])] = kib
        }
        guard let rss = values["VmRSS"], let hwm = values["VmHWM"] else {
            throw HarnessError("no VmRSS/VmHWM in /proc/\(pid)/status")
        }
        return Reading(rssKiB: rss, hwmKiB: hwm)
    }
}
