#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaNet
import WireProtocol

/// Answers one client's requests in order: artifact listing pages, downloads as `ArtifactData`
/// chunks, and stored log chunks (made only when their turn comes).
///
/// Loop-confined. Chained onto the connection's `onWritable` (keeping any earlier hook), it
/// sends while `send` accepts and resumes when the queue drains, so a large artifact never
/// sits in memory and a slow client never grows an unbounded queue. A stored file is opened
/// only when its turn comes, so queued requests hold no descriptors.
final class ArtifactDataSender {
    private enum Item {
        case message(Message)
        case file(runID: String, record: ArtifactSummary)
        /// A message made when its turn comes (a stored log chunk read from disk then).
        case deferred(() -> Message)
    }

    private struct Transfer {
        let runID: String
        let record: ArtifactSummary
        let descriptor: Int32
        var offset: UInt64 = 0
    }

    private let connection: FramedConnection
    private let store: ArtifactStore
    private var queue: [Item] = []
    private var transfer: Transfer?
    /// Requests a client may have waiting at once.
    static let maxQueued = 1_024

    init(connection: FramedConnection, store: ArtifactStore) {
        self.connection = connection
        self.store = store
        let previous = connection.onWritable
        connection.onWritable = { [weak self] in
            previous?()
            self?.pump()
        }
    }

    deinit {
        if let transfer { close(transfer.descriptor) }
    }

    /// Whether another request may be queued.
    var hasRoom: Bool { queue.count < Self.maxQueued }

    /// Queues messages (listing pages, errors) behind earlier requests.
    func enqueue(_ messages: [Message]) {
        queue += messages.map(Item.message)
        pump()
    }

    /// Queues messages that are made only when they are about to be sent.
    func enqueueDeferred(_ makers: [() -> Message]) {
        queue += makers.map(Item.deferred)
        pump()
    }

    /// Queues the content of a stored artifact.
    func enqueueDownload(runID: String, record: ArtifactSummary) {
        queue.append(.file(runID: runID, record: record))
        pump()
    }

    private func pump() {
        var buffer: [UInt8] = []
        while connection.isActive {
            if transfer == nil {
                guard !queue.isEmpty else { return }
                switch queue[0] {
                case .message(let message):
                    guard connection.send(message) else { return }
                    queue.removeFirst()
                    continue
                case .deferred(let make):
                    // Made once: if the queue is full it waits as a plain message.
                    let message = make()
                    queue[0] = .message(message)
                    continue
                case .file(let runID, let record):
                    do {
                        let descriptor = try store.openForReading(sha256: record.sha256, size: record.size)
                        transfer = Transfer(runID: runID, record: record, descriptor: descriptor)
                        queue.removeFirst()
                    } catch {
                        queue[0] = .message(.artifactList(ArtifactList(
                            runID: runID, artifacts: [],
                            error: "artifact '\(record.name)' of run \(runID) cannot be sent: \(error)")))
                        continue
                    }
                }
            }
            guard var current = transfer else { continue }
            let want = Int(min(UInt64(ArtifactChunk.maxDataBytes), current.record.size - current.offset))
            if buffer.count < want { buffer = [UInt8](repeating: 0, count: ArtifactChunk.maxDataBytes) }
            var got = 0
            if want > 0 {
                got = buffer.withUnsafeMutableBytes { pread(current.descriptor, $0.baseAddress, want, off_t(current.offset)) }
                if got < 0 && errno == EINTR { continue }
                // A file damaged under us is sent short; the client's checksum refuses it.
                if got <= 0 { got = 0 }
            }
            let isLast = got == 0 || current.offset + UInt64(got) >= current.record.size
            let data = ArtifactData(runID: current.runID, name: current.record.name, offset: current.offset,
                                    data: Array(buffer[0..<got]), isLast: isLast)
            guard connection.send(.artifactData(data)) else { return } // resumes from onWritable
            current.offset += UInt64(got)
            if isLast {
                close(current.descriptor)
                transfer = nil
            } else {
                transfer = current
            }
        }
    }
}
