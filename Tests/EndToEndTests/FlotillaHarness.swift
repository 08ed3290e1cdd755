#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

/// One end-to-end test's world: a temporary directory, the built `flotilla` binary, and every
/// process the test started.
///
/// Tests call ``shutdown()`` in a `defer` (deinit does it too): it kills every `flotilla`
/// process by pid, then the process groups of job steps that recorded their pids in one of
/// the ``pidFile(_:)`` files, since a step can outlive an agent killed with SIGKILL.
final class FlotillaHarness: @unchecked Sendable {
    /// A finished `flotilla` command.
    struct Finished {
        var termination: ChildProcess.Termination
        var stdout: String
        var stderr: String
        var transcript: String
        /// Both streams, for checks that do not care which one a message went to.
        var output: String { stdout + stderr }
    }

    let directory: TemporaryDirectory
    let executable: String
    let packageRoot: String
    private let lock = NSLock()
    private var processes: [ChildProcess] = []
    private var pidFiles: [String] = []
    private var started = 0

    /// Generous: these only stop a hung test, they assert nothing about speed.
    static let commandTimeout: Duration = .seconds(90)
    static let startupTimeout: Duration = .seconds(30)

    init(_ name: String) throws {
        directory = try TemporaryDirectory(prefix: "flotilla-e2e-\(name)")
        executable = try BuiltExecutable.path("flotilla")
        guard let root = BuiltExecutable.packageRoot() else {
            throw HarnessError("cannot find Package.swift above \(#filePath)")
        }
        packageRoot = root
        try directory.makeDirectory("logs")
    }

    deinit {
        shutdown()
    }

    // MARK: Processes

    /// Starts `flotilla ARGUMENTS`; its output goes to `logs/<label>-N.out` / `.err`.
    func start(_ arguments: [String], label: String, workingDirectory: String? = nil) throws -> ChildProcess {
        let number = lock.withLock { () -> Int in started += 1; return started }
        let stem = directory.file("logs/\(number)-\(label)")
        let process = try ChildProcess(executablePath: executable, arguments: arguments,
                                       workingDirectory: workingDirectory ?? directory.path,
                                       stdoutPath: stem + ".out", stderrPath: stem + ".err")
        lock.withLock { processes.append(process) }
        return process
    }

    /// Starts another program (a system tool wrapping `flotilla`, say); stopped by ``shutdown()`` like the rest.
    func startCommand(_ executablePath: String, _ arguments: [String], label: String) throws -> ChildProcess {
        let number = lock.withLock { () -> Int in started += 1; return started }
        let stem = directory.file("logs/\(number)-\(label)")
        let process = try ChildProcess(executablePath: executablePath, arguments: arguments, workingDirectory: directory.path,
                                       stdoutPath: stem + ".out", stderrPath: stem + ".err")
        lock.withLock { processes.append(process) }
        return process
    }

    /// Runs another program to completion (bounded by ``commandTimeout``).
    func runCommand(_ executablePath: String, _ arguments: [String], label: String) async throws -> Finished {
        try await finish(try startCommand(executablePath, arguments, label: label))
    }

    /// Runs `flotilla ARGUMENTS` to completion (bounded by ``commandTimeout``).
    ///
    /// - Throws: ``HarnessError`` with the transcript when it does not finish in time.
    func run(_ arguments: [String], label: String, workingDirectory: String? = nil) async throws -> Finished {
        let process = try start(arguments, label: label, workingDirectory: workingDirectory)
        return try await finish(process)
    }

    /// Waits (bounded) for a started process to end and collects its output.
    func finish(_ process: ChildProcess, timeout: Duration = FlotillaHarness.commandTimeout) async throws -> Finished {
        guard let termination = await process.waitForExit(timeout: timeout) else {
            let transcript = process.transcript
            process.terminate()
            throw HarnessError("did not finish within \(timeout):\n\(transcript)")
        }
        return Finished(termination: termination, stdout: process.stdout, stderr: process.stderr,
                        transcript: process.transcript)
    }

    /// A file job steps append their pids to (`echo $$ >> FILE`); ``shutdown()`` kills the
    /// process groups of every pid listed there.
    func pidFile(_ name: String) -> String {
        let path = directory.file(name)
        lock.withLock { pidFiles.append(path) }
        return path
    }

    /// The pids recorded in a ``pidFile(_:)`` so far.
    func recordedPIDs(_ path: String) -> [pid_t] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { pid_t($0) }
    }

    /// Kills everything this test started: `flotilla` processes first (so no agent respawns a
    /// job), then the recorded job process groups. Idempotent.
    func shutdown() {
        let (all, files) = lock.withLock { (processes, pidFiles) }
        for process in all.reversed() { process.terminate() }
        for file in files {
            for pid in recordedPIDs(file) where pid > 1 {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
            }
        }
    }

    // MARK: A fleet

    /// Creates a fleet PKI with `flotilla pki init` and issues the named certificates.
    ///
    /// - Returns: the PKI directory.
    func makePKI(agents: [String], clients: [String] = ["tester"], directoryName: String = "pki") async throws -> String {
        let pki = directory.file(directoryName)
        try await expectSuccess(["pki", "init", "--dir", pki, "--host", "127.0.0.1"], label: "pki-init")
        for agent in agents {
            try await expectSuccess(["pki", "issue", "--dir", pki, "--role", "agent", "--name", agent], label: "pki-issue")
        }
        for client in clients {
            try await expectSuccess(["pki", "issue", "--dir", pki, "--role", "client", "--name", client], label: "pki-issue")
        }
        return pki
    }

    /// Starts `flotilla coordinator` on 127.0.0.1, port chosen by the kernel.
    ///
    /// - Returns: the process and the port it printed.
    func startCoordinator(pki: String, extraArguments: [String] = []) async throws -> (process: ChildProcess, port: UInt16) {
        let process = try start(["coordinator", "--listen", "127.0.0.1:0", "--pki", pki,
                                 "--state", directory.file("coordinator-state")] + extraArguments,
                                label: "coordinator")
        return (process, try await listeningPort(of: process))
    }

    /// The port a starting coordinator reports on stdout (however it was started).
    func listeningPort(of process: ChildProcess) async throws -> UInt16 {
        let marker = "flotilla coordinator listening on 127.0.0.1:"
        guard let text = await process.waitForOutput(.stdout, timeout: Self.startupTimeout, until: { $0.contains(marker) }),
              let line = text.split(separator: "\n").first(where: { $0.contains(marker) }),
              let port = UInt16(line[line.range(of: marker)!.upperBound...].trimmingCharacters(in: .whitespaces))
        else {
            throw HarnessError("the coordinator did not report its port:\n\(process.transcript)")
        }
        return port
    }

    /// Starts `flotilla agent NAME` and waits until the coordinator has registered it.
    func startAgent(name: String, labels: [String], pki: String, port: UInt16, coordinator: ChildProcess,
                    extraArguments: [String] = []) async throws -> ChildProcess {
        let agent = try start(["agent", "--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", name,
                               "--labels", labels.joined(separator: ","), "--capacity", "1",
                               "--work-dir", directory.file("agent-\(name)")] + extraArguments,
                              label: "agent-\(name)")
        func registered(_ text: String) -> Bool {
            text.split(separator: "\n").contains { line in
                line.contains("agent connected") && line.split(separator: " ").contains("agent.name=\(name)")
            }
        }
        // Stop waiting early if the agent dies (bad arguments, unusable PKI).
        let text = await coordinator.waitForOutput(.stderr, timeout: Self.startupTimeout) { !agent.isRunning || registered($0) }
        guard let text, registered(text) else {
            throw HarnessError("agent \(name) did not register:\n\(agent.transcript)\n\(coordinator.transcript)")
        }
        return agent
    }

    /// Writes a pipeline file into the test directory and returns its path.
    func writePipeline(_ yaml: String, name: String = "pipeline.yml") throws -> String {
        try directory.write(yaml, to: name)
    }

    private func expectSuccess(_ arguments: [String], label: String) async throws {
        let result = try await run(arguments, label: label)
        guard result.termination == .exited(0) else {
            throw HarnessError("flotilla \(arguments.joined(separator: " ")) failed:\n\(result.transcript)")
        }
    }
}

/// The harness could not set a test up; the message says what and shows the output.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// True when no process (not even a zombie) has this pid.
func processIsGone(_ pid: pid_t) -> Bool {
    kill(pid, 0) != 0 && errno == ESRCH
}

/// Polls until every pid is gone or `timeout` passes; returns those still present.
func waitUntilGone(_ pids: [pid_t], timeout: Duration) async -> [pid_t] {
    let deadline = ContinuousClock.now + timeout
    while true {
        let alive = pids.filter { !processIsGone($0) }
        if alive.isEmpty || ContinuousClock.now >= deadline { return alive }
        try? await Task.sleep(for: .milliseconds(50))
    }
}

/// The state of a process from /proc (`R`, `S`, `Z`…), for failure messages.
func procState(_ pid: pid_t) -> String {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return "gone" }
    let text = String(decoding: data, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return "?" }
    return String(text[text.index(after: close)...].prefix(3)).trimmingCharacters(in: .whitespaces)
        + " (\(text[..<close].split(separator: "(").last ?? ""))"
}
