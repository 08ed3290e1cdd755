import Foundation
import Testing
import TestSupport
@testable import FlotillaAgent

@Suite("Process runner")
struct ProcessRunnerTests {
    private let fast = ProcessRunner.Configuration(killGracePeriod: .milliseconds(200), outputDrainTimeout: .milliseconds(500))

    private func bash(_ script: String, environment: [String: String] = [:], directory: String? = nil,
                      output: Recorder<(ProcessOutputStream, [UInt8])> = Recorder(), pidfd: Bool = true) throws -> ProcessRunner {
        var configuration = fast
        configuration.usePidfd = pidfd
        return try ProcessRunner.start(ProcessSpec(executablePath: "/bin/bash", arguments: ["--noprofile", "--norc", "-c", script],
                                                   environment: environment, workingDirectory: directory),
                                       configuration: configuration) { stream, bytes in output.append((stream, bytes)) }
    }

    private func text(_ output: Recorder<(ProcessOutputStream, [UInt8])>, _ stream: ProcessOutputStream) -> String {
        String(decoding: output.all.filter { $0.0 == stream }.flatMap(\.1), as: UTF8.self)
    }

    /// Both exit watchers: pidfd, and the waitpid polling fallback.
    @Test(arguments: [true, false])
    func exitCodesAndSignalsPropagate(pidfd: Bool) async throws {
        #expect(await (try bash("exit 0", pidfd: pidfd)).wait() == .exited(0))
        #expect(await (try bash("sleep 0.1; exit 3", pidfd: pidfd)).wait() == .exited(3))
        let killed = await (try bash("kill -KILL $$", pidfd: pidfd)).wait()
        #expect(killed == .signaled(SIGKILL))
        #expect(killed.exitCode == 137)
    }

    @Test func stdoutAndStderrArriveInOrderWithinEachStream() async throws {
        let output = Recorder<(ProcessOutputStream, [UInt8])>()
        let runner = try bash("for i in $(seq 1 2000); do echo out$i; echo err$i >&2; done", output: output)
        #expect(await runner.wait() == .exited(0))
        #expect(text(output, .stdout) == (1...2000).map { "out\($0)\n" }.joined())
        #expect(text(output, .stderr) == (1...2000).map { "err\($0)\n" }.joined())
    }

    @Test func environmentIsExactlyWhatWasGivenPlusPathAndHomeDefaults() async throws {
        let output = Recorder<(ProcessOutputStream, [UInt8])>()
        let runner = try ProcessRunner.start(ProcessSpec(executablePath: "/usr/bin/env", environment: ["ONLY": "this one"]),
                                             configuration: fast) { output.append(($0, $1)) }
        #expect(await runner.wait() == .exited(0))
        let lines = Set(text(output, .stdout).split(separator: "\n").map(String.init))
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/"
        #expect(lines == ["ONLY=this one", "PATH=\(ProcessSpec.defaultPath)", "HOME=\(home)"])

        let custom = Recorder<(ProcessOutputStream, [UInt8])>()
        let given = try ProcessRunner.start(ProcessSpec(executablePath: "/usr/bin/env", environment: ["PATH": "/bin", "HOME": "/h"]),
                                            configuration: fast) { custom.append(($0, $1)) }
        #expect(await given.wait() == .exited(0))
        #expect(Set(text(custom, .stdout).split(separator: "\n").map(String.init)) == ["PATH=/bin", "HOME=/h"])
    }

    @Test func workingDirectoryStdinAndProcessGroup() async throws {
        let directory = try TemporaryDirectory()
        let output = Recorder<(ProcessOutputStream, [UInt8])>()
        let runner = try bash("pwd -P; read -r line || echo stdin-empty; ps -o pgid= -p $$ | tr -d ' '; echo $$",
                              directory: directory.path, output: output)
        #expect(await runner.wait() == .exited(0))
        let lines = text(output, .stdout).split(separator: "\n").map(String.init)
        let real = URL(fileURLWithPath: directory.path).resolvingSymlinksInPath().path
        #expect(lines.count == 4)
        #expect(lines.first == real)
        #expect(lines.dropFirst().first == "stdin-empty")
        #expect(lines.dropFirst(2).first == String(runner.pid), "the step leads its own process group")
        #expect(lines.last == String(runner.pid))
    }

    @Test func blockedSignalsInTheAgentAreUnblockedInTheChild() async throws {
        var block = sigset_t()
        var previous = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        let runner = try? bash("kill -TERM $$; sleep 5; exit 0")
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        let started = try #require(runner)
        #expect(await started.wait() == .signaled(SIGTERM))
    }

    @Test(arguments: [true, false])
    func childrenLeftBehindAreKilledWhenTheMainProcessExits(pidfd: Bool) async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/pids"
        let runner = try bash("""
            sleep 60 >/dev/null 2>&1 & echo $! >> \(file)
            (sleep 60 >/dev/null 2>&1 & echo $! >> \(file); wait) &
            while [ "$(wc -l < \(file))" -lt 2 ]; do sleep 0.01; done
            exit 0
            """, pidfd: pidfd)
        #expect(await runner.wait() == .exited(0))
        let children = pids(in: file)
        #expect(children.count == 2)
        #expect(await eventually { children.allSatisfy { !isAlive($0) } })
    }

    @Test(arguments: [true, false])
    func terminateGroupEscalatesToSigkillForProcessesIgnoringSigterm(pidfd: Bool) async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/pids"
        let output = Recorder<(ProcessOutputStream, [UInt8])>()
        let runner = try bash("""
            trap '' TERM
            bash -c 'trap "" TERM; echo $$ >> \(file); sleep 60' &
            sleep 60 & echo $! >> \(file)
            echo ready
            wait
            """, output: output, pidfd: pidfd)
        #expect(await eventually { pids(in: file).count == 2 && text(output, .stdout) == "ready\n" })
        runner.terminateGroup()
        let termination = await runner.wait()
        #expect(termination == .signaled(SIGKILL))
        let children = pids(in: file)
        #expect(await eventually { children.allSatisfy { !isAlive($0) } && !isAlive(runner.pid) })
        runner.terminateGroup() // harmless after exit
    }

    @Test func outputHeldOpenByAnEscapedProcessDoesNotHangTheRunner() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/pid"
        // setsid leaves the process group, so the group kill cannot reach it; it keeps stdout open.
        // It records its own pid (setsid may fork) before the main process exits.
        let runner = try bash("""
            setsid bash -c 'echo $$ > \(file); exec sleep 60' &
            while [ ! -s \(file) ]; do sleep 0.01; done
            exit 0
            """)
        #expect(await runner.wait() == .exited(0))
        let escaped = pids(in: file)
        #expect(escaped.count == 1)
        #expect(escaped.allSatisfy(isAlive), "documented limit: setsid escapes the group kill")
        for pid in escaped { kill(pid, SIGKILL) }
    }

    @Test func missingExecutableOrDirectoryIsATypedError() {
        #expect {
            try ProcessRunner.start(ProcessSpec(executablePath: "/nonexistent/tool")) { _, _ in }
        } throws: { error in
            (error as? ProcessRunnerError)?.errno == ENOENT && (error as? ProcessRunnerError)?.call == "posix_spawn"
        }
        #expect {
            try ProcessRunner.start(ProcessSpec(executablePath: "/bin/true", workingDirectory: "/nonexistent/dir")) { _, _ in }
        } throws: { error in
            (error as? ProcessRunnerError)?.workingDirectory == "/nonexistent/dir"
        }
    }
}
