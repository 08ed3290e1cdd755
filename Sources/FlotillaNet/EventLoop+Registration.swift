extension EventLoop {
    /// Which readiness a registration wants to hear about.
    public struct Interest: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Data (or a connection, or end of file) can be read.
        public static let read = Interest(rawValue: 1 << 0)
        /// Data can be written.
        public static let write = Interest(rawValue: 1 << 1)
    }

    /// What the kernel reported for a descriptor.
    public struct Readiness: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let readable = Readiness(rawValue: 1 << 0)
        public static let writable = Readiness(rawValue: 1 << 1)
        /// The peer hung up; reported whatever the interest, so a handler must act on it.
        public static let hangup = Readiness(rawValue: 1 << 2)
        /// The descriptor has a pending error; reported whatever the interest.
        public static let error = Readiness(rawValue: 1 << 3)
    }

    /// Identifies one registration; never reused, so a stale id cannot touch a new descriptor.
    public struct RegistrationID: Hashable, Sendable {
        let token: UInt64
    }

    struct Registration {
        let fd: Int32
        var interest: Interest
        let onReady: (Readiness) -> Void
        let onShutdown: () -> Void
    }

    /// Watches `fileDescriptor` for `interest` (level-triggered); loop thread only.
    ///
    /// The loop does not own the descriptor: the owner deregisters it before closing it, and
    /// closes it when `onShutdown` is called.
    /// - Parameters:
    ///   - fileDescriptor: A non-blocking descriptor.
    ///   - interest: The readiness to report; `.hangup`/`.error` are always reported.
    ///   - onReady: Called on the loop with what is ready; called again while it stays ready.
    ///   - onShutdown: Called once if the loop shuts down while registered; the owner should
    ///     deregister and close the descriptor.
    /// - Returns: The id for `setInterest` and `deregister`.
    /// - Throws: `SystemError` from `epoll_ctl`.
    @discardableResult
    public func register(fileDescriptor: Int32, interest: Interest,
                         onReady: @escaping (Readiness) -> Void,
                         onShutdown: @escaping () -> Void) throws(SystemError) -> RegistrationID {
        precondition(inEventLoop, "EventLoop.register must be called on the loop thread")
        let token = nextRegistrationToken
        nextRegistrationToken += 1
        try Syscalls.epollControl(epollFD, fd: fileDescriptor, interest: interest, token: token, add: true)
        registrations[token] = Registration(fd: fileDescriptor, interest: interest, onReady: onReady, onShutdown: onShutdown)
        return RegistrationID(token: token)
    }

    /// Changes what a registration is told about; loop thread only. Does nothing for a
    /// removed registration or an unchanged interest.
    public func setInterest(_ interest: Interest, for id: RegistrationID) throws(SystemError) {
        precondition(inEventLoop, "EventLoop.setInterest must be called on the loop thread")
        guard var registration = registrations[id.token], registration.interest != interest else { return }
        try Syscalls.epollControl(epollFD, fd: registration.fd, interest: interest, token: id.token, add: false)
        registration.interest = interest
        registrations[id.token] = registration
    }

    /// The current interest of a registration, or nil once it is removed.
    public func interest(of id: RegistrationID) -> Interest? {
        precondition(inEventLoop, "EventLoop.interest(of:) must be called on the loop thread")
        return registrations[id.token]?.interest
    }

    /// Stops watching a descriptor (which must still be open); loop thread only. Idempotent.
    public func deregister(_ id: RegistrationID) {
        precondition(inEventLoop, "EventLoop.deregister must be called on the loop thread")
        guard let registration = registrations.removeValue(forKey: id.token) else { return }
        do {
            try Syscalls.epollRemove(epollFD, fd: registration.fd)
        } catch {
            // EBADF/ENOENT here means the owner closed the descriptor before deregistering it.
            preconditionFailure("deregistering fd \(registration.fd): \(error)")
        }
    }

    /// How many descriptors are registered (diagnostics and tests).
    public var registrationCount: Int {
        precondition(inEventLoop, "EventLoop.registrationCount must be read on the loop thread")
        return registrations.count
    }
}
