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
        @Test("full, then read-only: new runs are refused with the reason; finished runs are still served")
        func fullThenReadOnly() async throws {
            let harness = try FlotillaHarness("state-dir-failures")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["solo"])
            let state = try harness.directory.makeDirectory("small-state")
            // sh execs the coordinator: the pid is the coordinator's, inside the new namespace.
            let coordinator = try harness.startCommand(
                "/usr/bin/unshare",
                ["-m", "--propagation", "private", "sh", "-c",
                 "mount -t tmpfs -o size=24m tmpfs \"$1\" && exec \"$2\" coordinator --listen 127.0.0.1:0 --pki \"$3\" --state \"$1\" --min-free-mb 4",
                 "sh", state, harness.executable, pki], label: "coordinator-ns")
            let marker = "flotilla coordinator listening on 127.0.0.1:"
            let text = try #require(await coordinator.waitForOutput(.stdout, timeout: FlotillaHarness.startupTimeout) {
                $0.contains(marker)
            }, "\(coordinator.transcript)")
            let line = try #require(text.split(separator: "\n").first { $0.contains(marker) })
            let port = try #require(UInt16(line[line.range(of: marker)!.upperBound...].trimmingCharacters(in: .whitespaces)))
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
