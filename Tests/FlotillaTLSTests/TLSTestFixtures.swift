import Foundation
import FlotillaTLS

/// A temporary directory removed when the last reference goes away.
final class TemporaryDirectory {
    let path: String

    init() {
        let template = NSTemporaryDirectory() + "flotilla-tls-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else { fatalError("mkdtemp failed: \(errno)") }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }
}

/// A PKI directory with a CA, the coordinator and one agent ("builder-1").
final class Fleet {
    let directory = TemporaryDirectory()
    static let agentName = "builder-1"

    init(hosts: [String] = PKI.defaultHosts) throws {
        try PKI.initialize(directory: pkiPath, hosts: hosts)
        try PKI.issue(directory: pkiPath, role: "agent", name: Fleet.agentName)
    }

    /// The PKI lives in a subdirectory so initialize exercises directory creation.
    var pkiPath: String { directory.file("pki") }

    func coordinatorConfiguration() throws -> TLSConfiguration {
        try TLSConfiguration.forPeer(pkiDirectory: pkiPath, role: "coordinator", name: "coordinator")
    }

    func agentConfiguration() throws -> TLSConfiguration {
        try TLSConfiguration.forPeer(pkiDirectory: pkiPath, role: "agent", name: Fleet.agentName)
    }
}

/// What happened when two engines were pumped against each other.
struct HandshakeOutcome {
    var clientComplete = false
    var serverComplete = false
    var clientError: TLSError?
    var serverError: TLSError?
}

/// Moves all pending ciphertext from one engine to the other; returns the byte count moved.
@discardableResult
func transfer(from source: TLSEngine, to destination: TLSEngine) -> Int {
    let bytes = source.takeCiphertext()
    destination.receiveCiphertext(bytes)
    return bytes.count
}

/// Runs the handshake between two engines in one process, at most `maxRounds` round trips.
func runHandshake(client: TLSEngine, server: TLSEngine, maxRounds: Int = 16) -> HandshakeOutcome {
    var outcome = HandshakeOutcome()
    for _ in 0..<maxRounds {
        if !outcome.clientComplete, outcome.clientError == nil {
            do { outcome.clientComplete = try client.advanceHandshake() } catch { outcome.clientError = error }
        }
        let toServer = transfer(from: client, to: server)
        if !outcome.serverComplete, outcome.serverError == nil {
            do { outcome.serverComplete = try server.advanceHandshake() } catch { outcome.serverError = error }
        }
        let toClient = transfer(from: server, to: client)
        let clientSettled = outcome.clientComplete || outcome.clientError != nil
        let serverSettled = outcome.serverComplete || outcome.serverError != nil
        if clientSettled, serverSettled, toServer == 0, toClient == 0 { break }
    }
    return outcome
}

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
func patternBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var bytes = [UInt8]()
    bytes.reserveCapacity(count)
    while bytes.count < count {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let value = state &* 2_685_821_657_736_338_717
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0.prefix(count - bytes.count)) }
    }
    return bytes
}

/// Runs an executable found on PATH; nil when it is not installed.
func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
    let candidates = ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/bin/\(name)"]
    guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
