#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaTLS
import WireProtocol

/// One job's artifact upload: the messages still to send and the file in flight.
///
/// Driven by `ArtifactUploadManager` on the loop. Messages are produced into a small outbox
/// and leave it only when `send` accepts them, so a full connection simply stops the pump;
/// the next chunk is read only once the outbox is empty, which bounds memory to one chunk.
final class JobArtifactUpload {
    enum AckResult: Equatable {
        /// Not the answer this upload waits for.
        case ignored
        /// The file is being sent again.
        case retrying(String)
        /// The file has its final answer; the next one starts.
        case next(String, stored: Bool)
    }

    private struct Transfer {
        var artifact: CollectedArtifact
        var id: UInt32
        var attempt: Int
        var descriptor: Int32
        var offset: UInt64 = 0
        let hasher = SHA256Hasher()
        var awaitingAck = false
    }

    let job: JobRef
    private var pending: ArraySlice<CollectedArtifact>
    private var outbox: [Message] = []
    private var current: Transfer?
    private var nextID: UInt32 = 0
    private var report = ArtifactUploadReport()
    private let chunkBytes: Int
    private let corruptFirstTransmission: Bool
    private var completion: ((ArtifactUploadReport) -> Void)?

    init(job: JobRef, collection: ArtifactCollection, chunkBytes: Int, corruptFirstTransmission: Bool,
         completion: @escaping (ArtifactUploadReport) -> Void) {
        self.job = job
        self.pending = collection.artifacts[...]
        self.chunkBytes = chunkBytes
        self.corruptFirstTransmission = corruptFirstTransmission
        self.completion = completion
        outbox = collection.refusals.map { .artifactRefused(ArtifactRefused(job: job, path: $0.path, reason: $0.reason)) }
    }

    deinit {
        if let current, current.descriptor >= 0 { close(current.descriptor) }
    }

    /// Nothing left to send or wait for.
    var isComplete: Bool { outbox.isEmpty && current == nil && pending.isEmpty }

    /// Sends what it can; stops when `send` refuses, when waiting for an ack, or when done.
    func pump(_ send: (Message) -> Bool) {
        while true {
            if let message = outbox.first {
                guard send(message) else { return }
                outbox.removeFirst()
                continue
            }
            guard var transfer = current else {
                guard let artifact = pending.popFirst() else { return }
                start(artifact, id: nextID, attempt: 1)
                nextID += 1
                continue
            }
            if transfer.awaitingAck { return }
            let remaining = transfer.artifact.size - transfer.offset
            var data: [UInt8] = []
            if remaining > 0 {
                data = read(transfer.descriptor, at: transfer.offset, count: Int(min(UInt64(chunkBytes), remaining)))
            }
            if data.isEmpty {
                // Done, or the file shrank or failed to read: the coordinator's size check decides.
                close(transfer.descriptor)
                transfer.descriptor = -1
                transfer.awaitingAck = true
                outbox.append(.artifactEnd(ArtifactEnd(job: job, artifactID: transfer.id,
                                                       sha256: SHA256Hasher.hex(transfer.hasher.finalize()))))
                current = transfer
                continue
            }
            transfer.hasher.update(data)
            if corruptFirstTransmission && transfer.attempt == 1 && transfer.offset == 0 { data[0] ^= 0xFF }
            outbox.append(.artifactChunk(ArtifactChunk(job: job, artifactID: transfer.id, offset: transfer.offset, data: data)))
            transfer.offset += UInt64(data.count)
            current = transfer
        }
    }

    /// Applies the coordinator's answer for the file in flight.
    func acknowledged(_ ack: ArtifactAck) -> AckResult {
        guard let transfer = current, transfer.awaitingAck, transfer.id == ack.artifactID else { return .ignored }
        let path = transfer.artifact.relativePath
        switch ack.status {
        case .stored:
            report.stored.append(ack.message)
            current = nil
            return .next(path, stored: true)
        case .retry where transfer.attempt == 1:
            report.retried += 1
            start(transfer.artifact, id: transfer.id, attempt: 2)
            return .retrying(path)
        case .retry, .rejected:
            report.rejected.append(ArtifactRefusal(path: path, reason: ack.message))
            current = nil
            return .next(path, stored: false)
        }
    }

    /// Stops without sending more; the completion runs with `aborted` set.
    func abandon() {
        if let current, current.descriptor >= 0 { close(current.descriptor) }
        current = nil
        report.aborted = true
        complete()
    }

    /// Runs the completion (once) and returns the report it got.
    @discardableResult
    func complete() -> ArtifactUploadReport {
        let completion = self.completion
        self.completion = nil
        completion?(report)
        return report
    }

    /// Opens the file and queues its `ArtifactBegin`; a file that cannot be opened is reported instead.
    private func start(_ artifact: CollectedArtifact, id: UInt32, attempt: Int) {
        // No link is followed: `path` is already the file's real path, checked at collection.
        let descriptor = open(artifact.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        var info = stat()
        guard descriptor >= 0, fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            let reason = descriptor < 0 ? "cannot open it: \(String(cString: strerror(errno)))" : "it is no longer a regular file"
            if descriptor >= 0 { close(descriptor) }
            current = nil
            report.rejected.append(ArtifactRefusal(path: artifact.relativePath, reason: reason))
            outbox.append(.artifactRefused(ArtifactRefused(job: job, path: artifact.relativePath, reason: reason)))
            return
        }
        current = Transfer(artifact: artifact, id: id, attempt: attempt, descriptor: descriptor)
        outbox.append(.artifactBegin(ArtifactBegin(job: job, artifactID: id, name: artifact.name,
                                                   relativePath: artifact.relativePath, kind: artifact.kind,
                                                   size: artifact.size)))
    }

    /// Up to `count` bytes at `offset`; empty at end of file or on a read error.
    private func read(_ descriptor: Int32, at offset: UInt64, count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return [] }
            if got < count { buffer.removeLast(count - got) }
            return buffer
        }
    }
}
