import Testing
import TestSupport
import WireProtocol

@Suite("Liveness")
struct LivenessTests {
    @Test("nothing is due before the interval")
    func quietBeforeInterval() {
        var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: 10_000)
        #expect(liveness.tick(now: 10_000) == .none)
        #expect(liveness.tick(now: 10_999) == .none)
        #expect(liveness.nextDeadline() == 11_000)
    }

    @Test("a heartbeat is sent after the interval, with increasing sequence numbers")
    func heartbeatAfterInterval() {
        var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: 0)
        #expect(liveness.tick(now: 1_000) == .sendHeartbeat(Heartbeat(sequence: 0)))
        #expect(liveness.tick(now: 1_500) == .none)
        #expect(liveness.nextDeadline() == 2_000)
        liveness.messageReceived(now: 1_900)
        #expect(liveness.tick(now: 2_000) == .sendHeartbeat(Heartbeat(sequence: 1)))
        liveness.messageReceived(now: 2_900)
        #expect(liveness.tick(now: 3_100) == .sendHeartbeat(Heartbeat(sequence: 2)))
        #expect(liveness.nextSequence == 3)
    }

    @Test("sending anything postpones the heartbeat")
    func sendPostponesHeartbeat() {
        var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: 0)
        liveness.messageSent(now: 800)
        #expect(liveness.tick(now: 1_000) == .none)
        #expect(liveness.nextDeadline() == 1_800)
        #expect(liveness.tick(now: 1_800) == .sendHeartbeat(Heartbeat(sequence: 0)))
    }

    @Test("silence past the timeout times out, and stays timed out")
    func timesOut() {
        var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: 500)
        #expect(liveness.tick(now: 1_500) == .sendHeartbeat(Heartbeat(sequence: 0)))
        #expect(liveness.tick(now: 2_500) == .sendHeartbeat(Heartbeat(sequence: 1)))
        #expect(liveness.nextDeadline() == 3_500)
        #expect(liveness.tick(now: 3_499) == .none)
        #expect(liveness.tick(now: 3_500) == .timedOut(silentMillis: 3_000))
        #expect(liveness.isTimedOut)
        liveness.messageReceived(now: 3_600)
        #expect(liveness.tick(now: 3_700) == .timedOut(silentMillis: 3_200))
        #expect(liveness.nextDeadline() <= 3_700)
    }

    @Test("receiving anything resets the timeout")
    func receptionResets() {
        var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: 0)
        liveness.messageSent(now: 2_000)
        liveness.messageReceived(now: 2_000)
        #expect(liveness.tick(now: 4_999) == .sendHeartbeat(Heartbeat(sequence: 0)))
        #expect(liveness.tick(now: 4_999) == .none)
        liveness.messageSent(now: 4_999)
        #expect(liveness.nextDeadline() == 5_000)
        #expect(liveness.tick(now: 5_000) == .timedOut(silentMillis: 3_000))
    }

    @Test("time going backwards counts as no time passing")
    func clockBackwards() {
        var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: 5_000)
        liveness.messageReceived(now: 4_000)
        liveness.messageSent(now: 1)
        #expect(liveness.lastReceivedMillis == 5_000)
        #expect(liveness.lastSentMillis == 5_000)
        #expect(liveness.tick(now: 0) == .none)
    }

    @Test("deadlines near the end of time do not overflow")
    func noOverflow() {
        var liveness = Liveness(intervalMillis: 1_000, timeoutMillis: 3_000, now: .max - 10)
        #expect(liveness.nextDeadline() == .max)
        #expect(liveness.tick(now: .max) == .none)
    }

    @Test("the welcome's contract configures it")
    func fromWelcome() {
        let welcome = Welcome(version: 1, coordinatorName: "c", heartbeatIntervalMillis: 250, heartbeatTimeoutMillis: 900)
        let liveness = Liveness(welcome: welcome, now: 42)
        #expect(liveness.intervalMillis == 250)
        #expect(liveness.timeoutMillis == 900)
        #expect(liveness.nextDeadline() == 292)
    }

    /// Two peers exchange nothing but heartbeats, each ticking at its own next deadline.
    /// While both run neither times out; once one stops, the other times out exactly one
    /// timeout after the last heartbeat it heard.
    @Test("two peers driven by their deadlines stay alive until one goes silent")
    func twoPeers() {
        let clock = ManualClock(startMillis: 1_000)
        var sides = [Liveness(intervalMillis: 400, timeoutMillis: 1_000, now: clock.nowMillis),
                     Liveness(intervalMillis: 400, timeoutMillis: 1_000, now: clock.nowMillis)]
        var silenced = false
        var lastHeardByA = clock.nowMillis
        var received = [0, 0]
        for _ in 0..<1_000 {
            // A hung side never ticks, so only the live sides' deadlines drive the clock.
            let deadline = silenced ? sides[0].nextDeadline() : sides.map { $0.nextDeadline() }.min()!
            clock.set(toMillis: max(clock.nowMillis, deadline))
            if clock.nowMillis >= 20_000 { silenced = true }
            var timedOut = false
            for index in sides.indices {
                if silenced && index == 1 { continue } // side B has hung
                switch sides[index].tick(now: clock.nowMillis) {
                case .none:
                    break
                case .sendHeartbeat:
                    let peer = 1 - index
                    sides[peer].messageReceived(now: clock.nowMillis)
                    received[peer] += 1
                    if peer == 0 { lastHeardByA = clock.nowMillis }
                case .timedOut(let silent):
                    #expect(index == 0 && silenced, "side \(index) timed out while its peer was alive")
                    #expect(silent == 1_000)
                    #expect(clock.nowMillis == lastHeardByA + 1_000)
                    timedOut = true
                }
            }
            if timedOut { break }
        }
        #expect(sides[0].isTimedOut)
        #expect(!sides[1].isTimedOut)
        #expect(received[0] > 40 && received[1] > 40)
    }
}

@Suite("Protocol errors")
struct ProtocolErrorTests {
    @Test("each error maps to its wire code")
    func wireCodes() {
        let cases: [(ProtocolError, ProtocolErrorMessage.ErrorCode)] = [
            (.frameTooLarge(length: 9, limit: 8), .frameTooLarge),
            (.emptyFrame, .malformedFrame),
            (.unknownMessageType(0x99), .unknownMessageType),
            (.malformed(message: .hello, field: "name", reason: "invalid UTF-8"), .malformedFrame),
            (.limitExceeded(message: .logChunk, field: "data", size: 2, limit: 1), .limitExceeded),
            (.badMagic(0), .unsupportedVersion),
            (.unsupportedVersion(offeredMin: 2, offeredMax: 3, supportedMin: 1, supportedMax: 1), .unsupportedVersion),
            (.versionNotOffered(chosen: 4, offeredMin: 1, offeredMax: 1), .unsupportedVersion),
            (.unexpectedMessage(got: .assignJob, state: "awaiting hello"), .unexpectedMessage),
            (.roleMismatch(claimed: .agent, certificate: .client), .notAuthorized),
            (.nameMismatch(claimed: "a", certificate: "b"), .notAuthorized),
            (.invalidHello(field: "capacity", reason: "zero"), .notAuthorized),
            (.heartbeatTimeout(silentMillis: 15_000), .heartbeatTimeout),
            (.handshakeTimeout(waitedMillis: 10_000), .heartbeatTimeout),
            (.peerReportedError(code: .internalError, message: "x"), .internalError),
        ]
        for (error, code) in cases {
            #expect(error.wireCode == code, "\(error)")
            if case .peerReportedError = error {
                #expect(error.replyMessage == nil)
            } else {
                #expect(error.replyMessage == ProtocolErrorMessage(code: code, message: error.description))
            }
        }
    }

    @Test("descriptions carry the context")
    func descriptions() {
        #expect(ProtocolError.frameTooLarge(length: 2_000_000, limit: 1_064_960).description
            == "frame of 2000000 bytes exceeds the limit of 1064960 bytes")
        #expect(ProtocolError.unknownMessageType(0x7E).description == "unknown message type 0x7E")
        #expect(ProtocolError.badMagic(0x4854_5450).description == "bad magic 0x48545450 in hello (expected 0x464C4F54)")
        #expect(ProtocolError.unsupportedVersion(offeredMin: 2, offeredMax: 3, supportedMin: 1, supportedMax: 1).description
            == "no common protocol version: peer offers 2...3, this side supports 1...1")
        #expect(ProtocolError.heartbeatTimeout(silentMillis: 15_001).description.contains("15001 ms"))
    }
}
