import FlotillaCore
import WireProtocol

/// The artifact side of the benchmark client's session: remembers what the coordinator stored
/// for each run and downloads one artifact at a time, the way `flotilla artifacts get` does.
///
/// Loop-confined to the client's loop; installs itself as `BenchClient.onOtherMessage`. A
/// download sends `FetchArtifact` and writes the `ArtifactData` chunks through
/// `ContentAddressedFileWriter` (hashed while written, size and SHA-256 checked, fsync, rename),
/// which is the CLI's path minus its progress output.
final class ArtifactFetcher {
    /// A finished download; times are monotonic µs on the client loop.
    struct Download: Sendable {
        var bytes: UInt64
        /// Just before `FetchArtifact` was queued.
        var requestedMonotonic: Int64
        /// After the verified file was synced and renamed into place.
        var completedMonotonic: Int64
    }

    typealias Handler = (Result<Download, BenchError>) -> Void

    private struct Pending {
        var runID: String
        var record: ArtifactSummary
        var writer: ContentAddressedFileWriter
        var requested: Int64
        var handler: Handler
    }

    private let client: BenchClient
    private var stored: [String: [ArtifactSummary]] = [:]
    private var pending: Pending?

    /// Takes over `client.onOtherMessage`.
    init(client: BenchClient) {
        self.client = client
        client.onOtherMessage = { [weak self] message in self?.received(message) }
    }

    /// The artifacts the coordinator reported stored (`ArtifactStored`) for `runID`, in order.
    func storedArtifacts(ofRun runID: String) -> [ArtifactSummary] {
        stored[runID] ?? []
    }

    /// Downloads `record` of `runID` to `path`; `handler` runs once, on the loop.
    func download(_ record: ArtifactSummary, ofRun runID: String, to path: String, handler: @escaping Handler) {
        guard pending == nil else { return handler(.failure(.session("a download is already in progress"))) }
        let writer: ContentAddressedFileWriter
        do {
            writer = try ContentAddressedFileWriter(destinationPath: path, expectedSHA256: record.sha256,
                                                    expectedSize: record.size)
        } catch {
            return handler(.failure(.setup("cannot create \(path): \(error)")))
        }
        let requested = BenchClock.monotonicMicros()
        pending = Pending(runID: runID, record: record, writer: writer, requested: requested, handler: handler)
        guard client.send(.fetchArtifact(FetchArtifact(runID: runID, name: record.name))) else {
            finish(.failure(.session("cannot send FetchArtifact: the session is closed or its queue is full")))
            return
        }
    }

    private func received(_ message: Message) {
        switch message {
        case .artifactStored(let event):
            stored[event.runID, default: []].append(event.record)
        case .artifactData(let data):
            guard let current = pending, data.runID == current.runID, data.name == current.record.name else { return }
            do {
                try current.writer.write(data.data, at: data.offset)
                guard data.isLast else { return }
                try current.writer.finish()
            } catch {
                return finish(.failure(.runFailed("downloading \(current.record.name): \(error)")))
            }
            finish(.success(Download(bytes: current.record.size, requestedMonotonic: current.requested,
                                     completedMonotonic: BenchClock.monotonicMicros())))
        case .artifactList(let list) where !list.error.isEmpty:
            guard let current = pending, list.runID == current.runID else { return }
            finish(.failure(.runFailed("the coordinator refused the download: \(list.error)")))
        default:
            break
        }
    }

    private func finish(_ result: Result<Download, BenchError>) {
        guard let current = pending else { return }
        pending = nil
        if case .failure = result { current.writer.abort() }
        current.handler(result)
    }
}
