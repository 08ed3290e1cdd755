#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaTLS
import WireProtocol

/// The driver: moves bytes between the socket, the TLS engine and the frame codec.
extension FramedConnection {
    /// Socket reads per readiness callback; the loop comes back (level-triggered) for more,
    /// so one fast peer cannot starve the others.
    private static let maxReadsPerWakeup = 16
    /// Largest plaintext taken from TLS per call (four TLS records).
    private static let plaintextChunk = 64 * 1024

    // MARK: - Starting

    /// Takes ownership of an accepted socket (server side), before `onAccept` sees the
    /// connection, so a `close()` there releases the socket.
    func adoptAccepted(fd: Int32) {
        self.fd = fd
    }

    /// Starts reading the adopted socket and the handshake clock, unless `onAccept` already
    /// closed the connection.
    func startAccepted() {
        guard state == .handshaking else { return }
        do {
            try registerSocket(interest: .read)
        } catch {
            abort(.system(error))
            return
        }
        phaseTimer = eventLoop.schedule(afterMillis: limits.handshakeTimeoutMillis) { [weak self] in
            self?.handshakeTimedOut()
        }
    }

    /// Starts connecting to `addresses` in order (client side).
    func startConnecting(to addresses: [SocketAddress]) {
        connectCandidates = addresses
        phaseTimer = eventLoop.schedule(afterMillis: limits.connectTimeoutMillis) { [weak self] in
            self?.connectTimedOut()
        }
        connectToNextCandidate()
    }

    private func registerSocket(interest: EventLoop.Interest) throws(SystemError) {
        registration = try eventLoop.register(
            fileDescriptor: fd, interest: interest,
            onReady: { [self] readiness in handle(readiness) },
            onShutdown: { [self] in loopDidShutDown() })
    }

    private func connectToNextCandidate() {
        while !connectCandidates.isEmpty {
            let address = connectCandidates.removeFirst()
            remoteAddress = address.description
            do throws(SystemError) {
                fd = try Syscalls.tcpSocket(family: address.family)
                // Nagle would hold small frames (heartbeats) behind unacknowledged ones.
                try? Syscalls.setNoDelay(fd)
                switch try Syscalls.connect(fd, to: address) {
                case .processed:
                    try registerSocket(interest: .read)
                    connectionEstablished()
                case .wouldBlock:
                    try registerSocket(interest: .write)
                }
                return
            } catch {
                lastConnectError = error
                closeSocket()
            }
        }
        closeError = .connectFailed(lastConnectError ?? SystemError(call: "connect", errno: EHOSTUNREACH))
        finalize()
    }

    private func finishConnect() {
        let code: Int32
        do {
            code = try Syscalls.pendingSocketError(fd)
        } catch {
            code = error.errno
        }
        guard code == 0 else {
            lastConnectError = SystemError(call: "connect(\(remoteAddress))", errno: code)
            closeSocket()
            connectToNextCandidate()
            return
        }
        connectionEstablished()
    }

    private func connectionEstablished() {
        state = .handshaking
        cancelPhaseTimer()
        phaseTimer = eventLoop.schedule(afterMillis: limits.handshakeTimeoutMillis) { [weak self] in
            self?.handshakeTimedOut()
        }
        // The first step produces the ClientHello.
        do {
            _ = try engine.advanceHandshake()
        } catch {
            outbound.append(engine.takeCiphertext())
            beginClose(error: .tls(error), sending: nil)
            return
        }
        outbound.append(engine.takeCiphertext())
        updateInterest()
    }

    // MARK: - Readiness

    private func handle(_ readiness: EventLoop.Readiness) {
        switch state {
        case .connecting:
            finishConnect()
        case .handshaking, .active:
            if !readiness.isDisjoint(with: [.readable, .hangup, .error]) { readFromSocket() }
            if readiness.contains(.writable), state == .handshaking || state == .active { flush() }
        case .closing:
            // Nothing is read while closing; a hang-up or error means nothing more can be sent.
            if !readiness.isDisjoint(with: [.hangup, .error]) {
                finalize()
            } else if readiness.contains(.writable) {
                flush()
            }
        case .closed:
            break
        }
    }

    private func readFromSocket() {
        let scratch = eventLoop.readScratch
        for _ in 0..<Self.maxReadsPerWakeup {
            let result: IOResult<Int>
            do {
                result = try Syscalls.read(fd, into: scratch)
            } catch {
                abort(.system(error))
                return
            }
            guard case .processed(let count) = result else { break }
            guard count > 0 else {
                beginClose(error: .peerClosed, sending: nil)
                return
            }
            engine.receiveCiphertext(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            processInbound()
            guard state == .handshaking || state == .active else { return }
            // A short read means the socket is drained; skip the read that would say so.
            if count < scratch.count { break }
        }
        flush()
    }

    private func processInbound() {
        if state == .handshaking {
            let complete: Bool
            do {
                complete = try engine.advanceHandshake()
            } catch {
                // The engine may have queued an alert telling the peer why.
                outbound.append(engine.takeCiphertext())
                beginClose(error: .tls(error), sending: nil)
                return
            }
            outbound.append(engine.takeCiphertext())
            guard complete else { return }
            becomeActive()
        }
        guard state == .active else { return }
        // Borrow the loop's buffer (no copy-on-write: the loop keeps an empty one meanwhile).
        var plaintext = eventLoop.plaintextScratch
        eventLoop.plaintextScratch = []
        defer {
            plaintext.removeAll(keepingCapacity: true)
            eventLoop.plaintextScratch = plaintext
        }
        while state == .active {
            plaintext.removeAll(keepingCapacity: true)
            let result: TLSReadResult
            do {
                result = try engine.readPlaintext(into: &plaintext, maxBytes: Self.plaintextChunk)
            } catch {
                outbound.append(engine.takeCiphertext())
                beginClose(error: .tls(error), sending: nil)
                return
            }
            outbound.append(engine.takeCiphertext())
            switch result {
            case .bytes:
                decoder.append(plaintext)
                deliverMessages()
            case .wantMoreInput:
                return
            case .closed:
                // close_notify: the peer finished cleanly; answer in kind.
                beginClose(error: nil, sending: nil)
                return
            }
        }
    }

    private func becomeActive() {
        cancelPhaseTimer()
        peerIdentity = engine.peerIdentity
        state = .active
        updateInterest()
        guard state == .active else { return }
        delegate?.connectionDidBecomeActive(self)
    }

    private func deliverMessages() {
        while state == .active {
            let message: Message?
            do {
                message = try decoder.nextMessage()
            } catch {
                beginClose(error: .protocolViolation(error), sending: error.replyMessage)
                return
            }
            guard let message else { return }
            delegate?.connection(self, didReceive: message)
        }
    }

    // MARK: - Writing

    /// Encrypts queued frames (once active) and writes as much as the socket takes.
    func flush() {
        guard fd >= 0, state != .connecting, state != .closed else { return }
        if state == .active && !pendingPlaintext.isEmpty {
            do {
                try engine.writePlaintext(pendingPlaintext)
            } catch {
                beginClose(error: .tls(error), sending: nil)
                return
            }
            pendingPlaintext.removeAll(keepingCapacity: pendingPlaintext.capacity <= 1 << 20)
            outbound.append(engine.takeCiphertext())
        }
        let drained: Bool
        do {
            drained = try outbound.write(to: fd)
        } catch {
            abort(.system(error))
            return
        }
        if drained && state == .closing {
            finalize()
            return
        }
        updateInterest()
        if writableNotificationDue && state == .active && bufferedSendBytes < limits.sendLowWaterBytes {
            writableNotificationDue = false
            onWritable?()
        }
    }

    /// Asks for writability exactly while there is something to write.
    func updateInterest() {
        guard let registration else { return }
        let interest: EventLoop.Interest
        switch state {
        case .connecting: interest = .write
        case .handshaking: interest = outbound.isEmpty ? .read : [.read, .write]
        case .active: interest = outbound.isEmpty && pendingPlaintext.isEmpty ? .read : [.read, .write]
        case .closing: interest = outbound.isEmpty ? [] : .write
        case .closed: return
        }
        do {
            try eventLoop.setInterest(interest, for: registration)
        } catch {
            abort(.system(error))
        }
    }

    // MARK: - Closing

    /// Starts closing: queue what may still go out (an Error frame, close_notify), then flush
    /// it within `limits.closeFlushTimeoutMillis`. The first error recorded is the one reported.
    func beginClose(error: ConnectionError?, sending message: ProtocolErrorMessage?) {
        switch state {
        case .closing, .closed:
            return
        case .connecting:
            closeError = error
            finalize()
            return
        case .handshaking:
            // Application data cannot precede the handshake; only alerts already queued go out.
            closeError = error
            pendingPlaintext = []
        case .active:
            closeError = error
            if let message { pendingPlaintext.append(contentsOf: FrameEncoder.encode(.error(message))) }
            if !pendingPlaintext.isEmpty {
                // A broken session cannot encrypt; then only the socket close remains.
                try? engine.writePlaintext(pendingPlaintext)
                pendingPlaintext = []
            }
            engine.shutdown()
            outbound.append(engine.takeCiphertext())
        }
        state = .closing
        cancelPhaseTimer()
        guard !outbound.isEmpty, fd >= 0 else {
            finalize()
            return
        }
        phaseTimer = eventLoop.schedule(afterMillis: limits.closeFlushTimeoutMillis) { [weak self] in
            self?.finalize()
        }
        flush()
    }

    /// Closes at once without flushing (the socket itself failed).
    private func abort(_ error: ConnectionError) {
        guard state != .closed else { return }
        if state != .closing { closeError = error }
        finalize()
    }

    /// Releases the socket and tells the delegate, on a later loop turn, exactly once.
    func finalize() {
        guard state != .closed else { return }
        state = .closed
        cancelPhaseTimer()
        closeSocket()
        pendingPlaintext = []
        outbound.removeAll()
        onWritable = nil
        let bookkeeping = onFinalClose
        onFinalClose = nil
        bookkeeping?(self)
        let error = closeError
        eventLoop.enqueueLocal { [self] in
            delegate?.connectionDidClose(self, error: error)
        }
    }

    private func closeSocket() {
        if let registration {
            eventLoop.deregister(registration)
            self.registration = nil
        }
        if fd >= 0 {
            Syscalls.close(fd)
            fd = -1
        }
    }

    private func cancelPhaseTimer() {
        if let phaseTimer { eventLoop.cancel(phaseTimer) }
        phaseTimer = nil
    }

    private func handshakeTimedOut() {
        phaseTimer = nil
        guard state == .handshaking else { return }
        beginClose(error: .handshakeTimeout, sending: nil)
    }

    private func connectTimedOut() {
        phaseTimer = nil
        guard state == .connecting else { return }
        connectCandidates = []
        closeSocket()
        closeError = .connectFailed(SystemError(call: "connect(\(remoteAddress))", errno: ETIMEDOUT))
        finalize()
    }

    /// The loop is shutting down: send close_notify if the socket takes it now, then close.
    private func loopDidShutDown() {
        beginClose(error: nil, sending: nil)
        finalize()
    }
}
