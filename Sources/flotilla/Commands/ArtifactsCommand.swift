#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCoordinator
import FlotillaCore
import FlotillaNet
import FlotillaTLS
import WireProtocol

/// `flotilla artifacts list|get`: a run's stored artifacts, from a coordinator or the local state.
///
/// With `--coordinator HOST:PORT --pki DIR --name CLIENT` it asks that coordinator over TLS.
/// Without, it reads the state directory an embedded `flotilla run` left (`--state DIR`, the
/// same default as `run`; its coordinator state is `STATE/coordinator`), or a coordinator's own
/// `--state` directory. Exit codes: 0 ok, 1 a checksum mismatch, 2 usage, unknown run or
/// artifact, unreachable coordinator.
enum ArtifactsCommand {
    static let usage = """
        flotilla artifacts list RUN [--json] [--coordinator HOST:PORT --pki DIR --name CLIENT | --state DIR]
        flotilla artifacts get RUN (NAME ...|--all) -o DIR [--coordinator HOST:PORT --pki DIR --name CLIENT | --state DIR]
        """

    /// What the user asked for.
    enum Request {
        case list(json: Bool)
        case get(names: [String], all: Bool, output: String)
    }

    static func main(_ arguments: [String]) throws -> Int32 {
        guard let sub = arguments.first else {
            throw UsageError(command: "artifacts", message: "missing subcommand: list or get\n\(usage)")
        }
        // `-o DIR` is the one short option; ArgumentList knows long ones.
        let rest = arguments.dropFirst().map { $0 == "-o" ? "--output" : $0 }
        let command = "artifacts \(sub)"
        let request: Request
        let args: ArgumentList
        switch sub {
        case "list":
            args = try ArgumentList(command: command, arguments: rest, valueOptions: ["coordinator", "pki", "name", "state"],
                                    flagOptions: ["json"])
            try args.noExtraPositionals(after: 1)
            request = .list(json: args.flag("json"))
        case "get":
            args = try ArgumentList(command: command, arguments: rest,
                                    valueOptions: ["coordinator", "pki", "name", "state", "output"], flagOptions: ["all"])
            let names = Array(args.positionals.dropFirst())
            let output = try args.required("output", "DIR (-o DIR: where the artifacts and SHA256SUMS go)")
            guard args.flag("all") != !names.isEmpty else {
                throw UsageError(command: command, message: "give artifact NAMEs or --all (not both)")
            }
            for name in names where !ArtifactNaming.isValidName(name) {
                throw UsageError(command: command, message: "'\(name)' is not an artifact name (\(ArtifactNaming.nameRule))")
            }
            request = .get(names: names, all: args.flag("all"), output: output)
        default:
            throw UsageError(command: "artifacts", message: "unknown subcommand '\(sub)' (expected list or get)\n\(usage)")
        }
        let runID = try args.positional(0, "RUN (the run id `flotilla run` printed)")

        if let coordinator = args.value("coordinator") {
            let target = try HostPort.parse(coordinator)
            let pki = try args.required("pki", "DIR holding ca.crt and client-NAME.crt/.key (with --coordinator)")
            let name = try args.required("name", "CLIENT (the name of your client certificate, with --coordinator)")
            let tls = try TLSConfiguration.forPeer(pkiDirectory: pki, role: "client", name: name)
            return try ArtifactsClient.run(target: target, tls: tls, clientName: name, runID: runID, request: request)
        }
        return local(runID: runID, request: request, state: stateDirectory(args.value("state")))
    }

    // MARK: Local state

    /// Serves the request from a state directory's manifests and content store.
    static func local(runID: String, request: Request, state: String) -> Int32 {
        // An embedded run keeps its coordinator's state in STATE/coordinator; a coordinator's
        // own --state directory holds runs/ and artifacts/ directly.
        let coordinatorState = access(state + "/coordinator/runs", F_OK) == 0 ? state + "/coordinator" : state
        let catalog = ArtifactCatalog.reading(runsDirectory: coordinatorState + "/runs")
        let records: [ArtifactSummary]
        do {
            guard let found = try catalog.artifacts(ofRun: runID) else {
                printError("flotilla artifacts: no run '\(runID)' has artifacts recorded in \(coordinatorState)")
                return ExitCode.unrunnable
            }
            records = found
        } catch {
            printError("flotilla artifacts: \(error)")
            return ExitCode.unrunnable
        }
        switch request {
        case .list(let json):
            printListing(runID: runID, records: records, json: json)
            return ExitCode.success
        case .get(let names, let all, let output):
            let chosen: [ArtifactSummary]
            switch ArtifactDownloader.select(records, names: names, all: all) {
            case .success(let selected): chosen = selected
            case .failure(let failure):
                printError("flotilla artifacts get: run \(runID): \(failure)")
                return ExitCode.unrunnable
            }
            let downloader: ArtifactDownloader
            do {
                downloader = try ArtifactDownloader(directory: output)
            } catch {
                printError("flotilla artifacts get: \(error)")
                return ExitCode.unrunnable
            }
            let store = ArtifactStore.existing(at: coordinatorState + "/artifacts")
            for record in chosen {
                downloader.begin(record)
                guard downloader.isWriting else { continue }
                guard let store else {
                    downloader.fail("no artifact store in \(coordinatorState)")
                    continue
                }
                copy(record, from: store, into: downloader)
            }
            return downloader.complete()
        }
    }

    /// Copies stored content in bounded chunks through the verifying writer.
    private static func copy(_ record: ArtifactSummary, from store: ArtifactStore, into downloader: ArtifactDownloader) {
        let descriptor: Int32
        do {
            descriptor = try store.openForReading(sha256: record.sha256, size: record.size)
        } catch {
            return downloader.fail("\(error)")
        }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: ArtifactChunk.maxDataBytes)
        var offset: UInt64 = 0
        while downloader.isWriting {
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            downloader.write(Array(buffer[0..<got]), at: offset)
            offset += UInt64(got)
        }
        downloader.finish()
    }

    // MARK: Output

    /// Prints a run's artifacts as a table, or as the manifest JSON.
    static func printListing(runID: String, records: [ArtifactSummary], json: Bool) {
        if json {
            printLine(String(decoding: ArtifactManifest(runID: runID, artifacts: records).json().dropLast(), as: UTF8.self))
            return
        }
        guard !records.isEmpty else {
            printLine("run \(runID) has no artifacts")
            return
        }
        var rows = [["NAME", "JOB", "KIND", "SIZE", "SHA256", "PATH"]]
        for record in records {
            rows.append([record.name, record.jobID, record.kind.name, String(record.size),
                         String(record.sha256.prefix(12)), record.relativePath])
        }
        printLine(TextTable.render(rows))
    }

    /// The line `flotilla run` prints for a stored artifact.
    static func storedLine(_ stored: ArtifactStored) -> String {
        let record = stored.record
        return "artifact \(record.name): \(record.size) bytes, sha256 \(record.sha256.prefix(12)), "
            + "from \(record.jobID) (\(record.relativePath))"
    }

    /// The line `flotilla run` prints for an artifact that was not collected or not stored.
    static func refusedLine(_ refused: ArtifactRefused) -> String {
        "artifact not collected: \(refused.path) (job \(refused.job.jobID)): \(refused.reason)"
    }
}

extension ArgumentList {
    /// A byte count option: a whole number, optionally with `K`, `M`, `G` or `T` (powers of 1024).
    func byteCount(_ name: String, default defaultValue: UInt64) throws(UsageError) -> UInt64 {
        guard let text = value(name) else { return defaultValue }
        var digits = Substring(text.uppercased())
        if digits.hasSuffix("IB") { digits = digits.dropLast(2) } else if digits.hasSuffix("B") { digits = digits.dropLast() }
        var shift: UInt64 = 0
        if let unit = digits.last, let power = ["K": 10, "M": 20, "G": 30, "T": 40][unit] {
            shift = UInt64(power)
            digits = digits.dropLast()
        }
        guard let number = UInt64(digits), number <= UInt64.max >> shift else {
            throw UsageError(command: command, message: "--\(name) expects a byte count such as 1048576, 512M or 10G, got '\(text)'")
        }
        return number << shift
    }
}
