#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import WireProtocol

/// What `flotilla run` does with a finished run's verdict: print the gates, write the
/// requested reports (`--json`, `--markdown`, `--junit`), and choose the exit code.
struct VerdictOutput {
    var jsonPath: String?
    var markdownPath: String?
    var junitPath: String?

    /// Prints and writes the verdict of `finished`; returns the exit code.
    ///
    /// Exit codes: 0 pass, 1 fail, 2 the run could not be judged (or a report could not be written).
    func finish(_ finished: RunFinished, printer: RunProgressPrinter) -> Int32 {
        guard !finished.verdictJSON.isEmpty else {
            if jsonPath != nil || markdownPath != nil || junitPath != nil {
                printer.error("the coordinator sent no verdict; no report was written")
                return ExitCode.unrunnable
            }
            switch finished.outcome {
            case .succeeded: return ExitCode.success
            case .failed, .cancelled: return ExitCode.failure
            case .error: return ExitCode.unrunnable
            }
        }
        let verdict: Verdict
        do {
            verdict = try Verdict.decode(json: finished.verdictJSON)
        } catch {
            printer.error("the coordinator's verdict is unreadable: \(error)")
            return ExitCode.unrunnable
        }
        printer.verdict(verdict)
        var code: Int32
        switch verdict.verdict {
        case .pass: code = ExitCode.success
        case .fail: code = ExitCode.failure
        case .error: code = ExitCode.unrunnable
        }
        let reports: [(String?, String)] = [
            (jsonPath, VerdictRenderer.json(verdict) + "\n"),
            (markdownPath, VerdictRenderer.markdown(verdict)),
            (junitPath, VerdictRenderer.junit(verdict)),
        ]
        for case let (path?, text) in reports {
            do {
                try Self.writeAtomically(text, to: path)
            } catch {
                printer.error("cannot write \(path): \(error)")
                code = max(code, ExitCode.unrunnable)
            }
        }
        return code
    }

    /// Writes `text` to a temporary file beside `path`, then renames it into place.
    static func writeAtomically(_ text: String, to path: String) throws(FileSystemError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError(operation: "open", path: temporary, errno: errno) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let code = errno
                close(fd)
                unlink(temporary)
                throw FileSystemError(operation: "write", path: temporary, errno: code)
            }
            bytes = bytes.dropFirst(written)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileSystemError(operation: "rename", path: path, errno: code)
        }
    }
}
