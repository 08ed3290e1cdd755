import FlotillaCore
import FlotillaNet
import FlotillaTLS
import WireProtocol

/// The `flotilla artifacts` session with a coordinator: list a run's artifacts, then download.
///
/// Loop-confined. After the handshake it sends ListArtifacts and collects the pages; for
/// `get` it then fetches the chosen artifacts one at a time, writing each through
/// `ArtifactDownloader` as its `ArtifactData` chunks arrive. It heartbeats like any client, so
/// a long download is not mistaken for a dead peer.
final class ArtifactsClient: ClientSessionDelegate {
    private let session: ClientSession
    private let runID: String
    private let request: ArtifactsCommand.Request
    private let onExit: (Int32) -> Void
    private var records: [ArtifactSummary] = []
    private var downloader: ArtifactDownloader?
    private var queue: [ArtifactSummary] = []
    private var fetching: ArtifactSummary?
    private var finished = false

    /// Runs the session on a fresh loop until it ends; returns the exit code.
    static func run(target: HostPort, tls: TLSConfiguration, clientName: String, runID: String,
                    request: ArtifactsCommand.Request) throws -> Int32 {
        try runLoopUntilExit(threadName: "flotilla-artifacts") { loop, residents, latch in
            let client = ArtifactsClient(loop: loop, target: target, tls: tls, clientName: clientName, runID: runID,
                                         request: request) { code in latch.resolve(code) }
            residents.keep(client)
            client.start()
            return { _ in client.finish(ExitCode.unrunnable, message: "interrupted") }
        }
    }

    init(loop: EventLoop, target: HostPort, tls: TLSConfiguration, clientName: String, runID: String,
         request: ArtifactsCommand.Request, onExit: @escaping (Int32) -> Void) {
        self.session = ClientSession(loop: loop, target: target, tls: tls, clientName: clientName)
        self.runID = runID
        self.request = request
        self.onExit = onExit
        session.delegate = self
    }

    func start() {
        session.connect()
    }

    // MARK: ClientSessionDelegate

    func sessionEstablished(_ session: ClientSession, welcome: Welcome, on connection: FramedConnection) {
        connection.send(.listArtifacts(ListArtifacts(runID: runID)))
    }

    func session(_ session: ClientSession, didReceive message: Message, on connection: FramedConnection) {
        handle(message)
    }

    func session(_ session: ClientSession, didFail failure: ClientSessionFailure) {
        if let message = failure.endingMessage(target: session.target) { finish(ExitCode.unrunnable, message: message) }
    }

    func sessionDidClose(_ session: ClientSession, error: ConnectionError?) {
        let reason = error.map { "\($0)" } ?? "closed the connection"
        finish(ExitCode.unrunnable, message: "coordinator \(session.target): \(reason)")
    }

    // MARK: Messages

    private func handle(_ message: Message) {
        switch message {
        case .artifactList(let list) where list.runID == runID:
            guard list.error.isEmpty else {
                guard fetching != nil else { return finish(ExitCode.unrunnable, message: list.error) }
                // The run is known but this artifact cannot be sent; the others may be.
                downloader?.fail(list.error)
                fetching = nil
                return fetchNext()
            }
            records += list.artifacts
            if list.isLast { listed() }
        case .artifactData(let data) where data.runID == runID && data.name == fetching?.name:
            downloader?.write(data.data, at: data.offset)
            if data.isLast {
                downloader?.finish()
                fetching = nil
                fetchNext()
            }
        case .heartbeat:
            break
        default:
            break
        }
    }

    private func listed() {
        switch request {
        case .list(let json):
            ArtifactsCommand.printListing(runID: runID, records: records, json: json)
            finish(ExitCode.success, message: nil)
        case .get(let names, let all, let output):
            switch ArtifactDownloader.select(records, names: names, all: all) {
            case .failure(let failure):
                return finish(ExitCode.unrunnable, message: "run \(runID): \(failure)")
            case .success(let chosen):
                queue = chosen
            }
            do {
                downloader = try ArtifactDownloader(directory: output)
            } catch {
                return finish(ExitCode.unrunnable, message: "\(error)")
            }
            fetchNext()
        }
    }

    private func fetchNext() {
        guard let downloader else { return }
        while let next = queue.first {
            queue.removeFirst()
            downloader.begin(next)
            guard downloader.isWriting else { continue }
            fetching = next
            session.send(.fetchArtifact(FetchArtifact(runID: runID, name: next.name)))
            return
        }
        finish(downloader.complete(), message: nil)
    }

    func finish(_ code: Int32, message: String?) {
        guard !finished else { return }
        finished = true
        if let message { printError("flotilla artifacts: \(message)") }
        if fetching != nil { downloader?.fail("interrupted") }
        session.close()
        onExit(code)
    }
}
