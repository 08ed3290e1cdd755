#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

extension EndToEndTests {
    /// Issue 5: a state directory that fills up or turns read-only refuses new runs and keeps the rest.
    ///
    /// The coordinator runs in a mount namespace of its own on a small tmpfs state directory,
    /// which the test fills (through `/proc/PID/root`) and covers with a read-only bind mount (`nsenter`): real
    /// ENOSPC and EROFS, without touching the machine's own filesystems. Needs the privilege to
    /// create mount namespaces; without it the test is skipped, saying why.
    @Suite("State directory full or read-only", .enabled(if: canMountPrivately(),
                                                       "needs unshare -m and mount (CAP_SYS_ADMIN)"))
    struct StateDirectoryFailureTests {
        /// A coordinator in a mount namespace of its own, its state directory a small tmpfs there
        /// (sh execs the coordinator: the pid is the coordinator's, inside the new namespace).
        private func startInNamespace(_ harness: FlotillaHarness, pki: String, state: String, tmpfsMiB: Int,
                                      minFreeMiB: Int) async throws -> (ChildProcess, UInt16) {
            let coordinator = try harness.startCommand(
                "/usr/bin/unshare",
                ["-m", "--propagation", "private", "sh", "-c",
                 "mount -t tmpfs -o size=\(tmpfsMiB)m tmpfs \"$1\" && exec \"$2\" coordinator --listen 127.0.0.1:0 --pki \"$3\" --state \"$1\" --min-free-mb \(minFreeMiB)",
                 "sh", state, harness.executable, pki], label: "coordinator-ns")
            return (coordinator, try await harness.listeningPort(of: coordinator))
        }

        /// Fills the filesystem of the coordinator's state directory to the last byte (ENOSPC).
        private func fill(_ directory: String) {
            let path = directory + "/filler"
            guard let handle = FileHandle(forWritingAtPath: path) ?? {
                FileManager.default.createFile(atPath: path, contents: nil)
                return FileHandle(forWritingAtPath: path)
            }() else { return }
            let block = Data(count: 1 << 16)
            // Bounded: a 1 GiB tmpfs at most, in 64 KiB blocks.
            for _ in 0..<16_384 { if (try? handle.write(contentsOf: block)) == nil { break } }
            var single = Data(count: 512)
            for _ in 0..<256 { if (try? handle.write(contentsOf: single)) == nil { break } }
            single = Data(count: 1)
            for _ in 0..<1_024 { if (try? handle.write(contentsOf: single)) == nil { break } }
            try? handle.close()
        }

        @Test("a store that cannot write mid-run: nothing new is placed or accepted; once it can, the run goes on and all is recorded")
        func failingWritesHoldPlacements() async throws {
            let harness = try FlotillaHarness("state-dir-write-failure")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["solo"])
            let state = try harness.directory.makeDirectory("tiny-state")
            // No free-space floor: the writes themselves must fail.
            let (coordinator, port) = try await startInNamespace(harness, pki: pki, state: state, tmpfsMiB: 8, minFreeMiB: 0)
            _ = try await harness.startAgent(name: "solo", labels: ["linux"], pki: pki, port: port, coordinator: coordinator)
            let endpoint = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]
            let gate = harness.directory.file("let-first-finish")
            let pipeline = try harness.writePipeline("""
                jobs:
                  first:
                    runs-on: [linux]
                    steps:
                      - run: for i in $(seq 300); do [ -e '\(gate)' ] && break; sleep 0.1; done; echo first done
                  second:
                    needs: first
                    runs-on: [linux]
                    steps:
                      - run: echo second done
                """)
            let source = try harness.directory.makeDirectory("source")
            let run = try harness.start(["run", pipeline, "--source", source] + endpoint, label: "run")
            try #require(await run.waitForOutput(containing: "first: running on solo", timeout: FlotillaHarness.commandTimeout),
                         "\(run.transcript)")

            let inside = "/proc/\(coordinator.pid)/root" + state
            fill(inside)
            FileManager.default.createFile(atPath: gate, contents: Data())
            try #require(await coordinator.waitForOutput(.stderr, containing: "holding new placements",
                                                         timeout: FlotillaHarness.commandTimeout), "\(coordinator.transcript)")
            let refused = try await harness.run(["run", pipeline, "--source", source] + endpoint, label: "run-refused")
            #expect(refused.termination == .exited(2) && refused.stderr.contains("cannot write its state"), "\(refused.transcript)")
            #expect(!run.stdout.contains("second: assigned"), "placed while the store could not record it:\n\(run.stdout)")

            try FileManager.default.removeItem(atPath: inside + "/filler")
            let result = try await harness.finish(run, timeout: FlotillaHarness.commandTimeout)
            #expect(result.termination == .exited(0), "\(result.transcript)\n\(coordinator.transcript)")
            #expect(coordinator.stderr.contains("writable again"), "\(coordinator.transcript)")

            // Everything is in the store (read back through the coordinator, whose namespace holds
            // it): both attempts with their logs, the run's outcome and its verdict.
            let runID = try #require(result.stdout.split(separator: "\n").first?.split(separator: " ").dropFirst().first
                .map { String($0.dropLast()) }, "\(result.stdout)")
            let logs = try await harness.run(["logs", runID] + endpoint, label: "logs")
            #expect(logs.stdout.contains("=== first (attempt 1, agent solo) ===\nstep 1/1") && logs.stdout.contains("first done")
                    && logs.stdout.contains("=== second (attempt 1, agent solo) ===\nstep 1/1"), "\(logs.transcript)")
            let json = harness.directory.file("verdict.json")
            let waited = try await harness.run(["wait", runID, "--json", json] + endpoint, label: "wait")
            #expect(waited.termination == .exited(0), "\(waited.transcript)")
            #expect(((try? String(contentsOfFile: json, encoding: .utf8)) ?? "").contains(#""verdict": "pass""#))
            let runs = try await harness.run(["runs"] + endpoint, label: "runs")
            #expect(runs.stdout.split(separator: "\n").contains { $0.hasPrefix(runID) && $0.contains("succeeded") }, "\(runs.stdout)")
        }

        @Test("full, then read-only: new runs are refused with the reason; finished runs are still served")
        func fullThenReadOnly() async throws {
            let harness = try FlotillaHarness("state-dir-failures")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["solo"])
            let state = try harness.directory.makeDirectory("small-state")
            let (coordinator, port) = try await startInNamespace(harness, pki: pki, state: state, tmpfsMiB: 24, minFreeMiB: 4)
            _ = try await harness.startAgent(name: "solo", labels: ["linux"], pki: pki, port: port, coordinator: coordinator)
            let endpoint = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]
            let pipeline = try harness.writePipeline("""
                jobs:
                  hello:
                    runs-on: [linux]
                    steps:
                      - run: echo hello from the job
                """)
            let source = try harness.directory.makeDirectory("source")
            func run(_ label: String) async throws -> FlotillaHarness.Finished {
                try await harness.run(["run", pipeline, "--source", source] + endpoint, label: label)
            }

            let first = try await run("run-1")
            try #require(first.termination == .exited(0), "\(first.transcript)")
            let runsBefore = try await harness.run(["runs"] + endpoint, label: "runs-before")
            let firstRunID = try #require(runsBefore.stdout.split(separator: "\n").dropFirst().first?
                .split(separator: " ").first.map(String.init), "\(runsBefore.transcript)")

            // Full: leave 1 MiB, under the 4 MiB floor.
            let inside = "/proc/\(coordinator.pid)/root" + state
            var info = statvfs()
            try #require(statvfs(inside, &info) == 0, "cannot see the coordinator's state directory at \(inside)")
            let free = Int(info.f_bavail) * Int(info.f_frsize)
            try #require(FileManager.default.createFile(atPath: inside + "/filler",
                                                        contents: Data(count: max(0, free - (1 << 20)))))
            let full = try await run("run-full")
            #expect(full.termination == .exited(2), "\(full.transcript)")
            #expect(full.stderr.contains("cannot accept runs now") && full.stderr.contains("is full"), "\(full.transcript)")

            // Still serving what it has: the list, and the finished run's verdict.
            let runsFull = try await harness.run(["runs"] + endpoint, label: "runs-full")
            #expect(runsFull.termination == .exited(0) && runsFull.stdout.contains(firstRunID), "\(runsFull.transcript)")
            let waited = try await harness.run(["wait", firstRunID] + endpoint, label: "wait-full")
            #expect(waited.termination == .exited(0), "\(waited.transcript)")

            // Read-only (with the space back): refused again, saying so.
            try FileManager.default.removeItem(atPath: inside + "/filler")
            // A read-only bind mount over the directory: what the coordinator opens from now on is read-only
            // (a plain `remount,ro` is refused while SQLite holds its files open for writing).
            for (step, arguments) in [("bind", ["--bind", state, state]), ("ro", ["-o", "remount,ro,bind", state])] {
                let mounted = try await harness.runCommand("/usr/bin/nsenter", ["-t", "\(coordinator.pid)", "-m", "mount"] + arguments,
                                                           label: "mount-\(step)")
                try #require(mounted.termination == .exited(0), "\(mounted.transcript)")
            }
            let readOnly = try await run("run-ro")
            #expect(readOnly.termination == .exited(2), "\(readOnly.transcript)")
            #expect(readOnly.stderr.contains("read-only"), "\(readOnly.transcript)")

            // Writable again: runs are accepted, and nothing acknowledged before was lost.
            let back = try await harness.runCommand("/usr/bin/nsenter", ["-t", "\(coordinator.pid)", "-m", "umount", state],
                                                    label: "umount-ro")
            try #require(back.termination == .exited(0), "\(back.transcript)")
            let again = try await run("run-again")
            #expect(again.termination == .exited(0), "\(again.transcript)")
            let logs = try await harness.run(["runs"] + endpoint, label: "runs-after")
            #expect(logs.stdout.contains(firstRunID), "\(logs.transcript)")
            #expect(coordinator.isRunning, "\(coordinator.transcript)")
        }
    }
}

/// Whether this process may create mount namespaces and mount a tmpfs in one.
private func canMountPrivately() -> Bool {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
          FileManager.default.isExecutableFile(atPath: "/usr/bin/nsenter") else { return false }
    let directory = NSTemporaryDirectory() + "flotilla-mount-probe-\(getpid())"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return system("/usr/bin/unshare -m --propagation private mount -t tmpfs -o size=1m tmpfs '\(directory)' >/dev/null 2>&1") == 0
}
