import Testing
import FlotillaAgent

@Suite("Reconnect backoff")
struct ReconnectBackoffTests {
    @Test func boundDoublesPerFailure() {
        var backoff = ReconnectBackoff(initialMillis: 100, maxMillis: 100_000)
        var bounds: [UInt64] = []
        for _ in 0..<6 {
            bounds.append(backoff.currentBoundMillis)
            _ = backoff.nextDelay(random: 0.5)
        }
        #expect(bounds == [100, 200, 400, 800, 1_600, 3_200])
        #expect(backoff.failures == 6)
    }

    @Test func delayIsTheJitteredFractionOfTheBound() {
        var backoff = ReconnectBackoff(initialMillis: 100, maxMillis: 100_000)
        #expect(backoff.nextDelay(random: 0.5) == 50)
        #expect(backoff.nextDelay(random: 0.5) == 100)
        #expect(backoff.nextDelay(random: 0.25) == 100)
        #expect(backoff.nextDelay(random: 0.75) == 600)
    }

    @Test func capHoldsForeverWithoutOverflow() {
        var backoff = ReconnectBackoff(initialMillis: 250, maxMillis: 30_000)
        var delays: [UInt64] = []
        for _ in 0..<200 { delays.append(backoff.nextDelay(random: 0.5)) }
        #expect(backoff.currentBoundMillis == 30_000)
        #expect(delays.allSatisfy { $0 <= 30_000 })
        #expect(delays.suffix(100).allSatisfy { $0 == 15_000 })
        // The unjittered bounds before reaching the cap: 250, 500, …, 16_000, then 30_000.
        var fresh = ReconnectBackoff(initialMillis: 250, maxMillis: 30_000)
        var bounds: [UInt64] = []
        for _ in 0..<9 { bounds.append(fresh.currentBoundMillis); _ = fresh.nextDelay(random: 0) }
        #expect(bounds == [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000])
    }

    @Test func hugeInitialDelayDoesNotOverflow() {
        var backoff = ReconnectBackoff(initialMillis: UInt64.max / 4, maxMillis: UInt64.max)
        for _ in 0..<25 { _ = backoff.nextDelay(random: 0.5) }
        #expect(backoff.currentBoundMillis == UInt64.max)
    }

    @Test func jitterStaysWithinBounds() {
        var backoff = ReconnectBackoff(initialMillis: 200, maxMillis: 10_000)
        // random 0: the floor of half the initial delay, never zero.
        #expect(backoff.nextDelay(random: 0) == 100)
        // random close to 1: just under the bound (400 now).
        let high = backoff.nextDelay(random: 0.999_999_999)
        #expect(high < 400 && high >= 399)
        // Out-of-range randoms are clamped rather than trusted.
        let over = backoff.nextDelay(random: 7)
        #expect(over < 800 && over >= 799)
        #expect(backoff.nextDelay(random: -3) == 100)
        // Sweep: every delay is in [initial/2, bound).
        var sweep = ReconnectBackoff(initialMillis: 200, maxMillis: 10_000)
        for step in 0..<40 {
            let bound = sweep.currentBoundMillis
            let delay = sweep.nextDelay(random: Double(step % 10) / 10)
            #expect(delay >= 100 && delay < bound, "step \(step): \(delay) vs bound \(bound)")
        }
    }

    @Test func resetStartsOver() {
        var backoff = ReconnectBackoff(initialMillis: 100, maxMillis: 5_000)
        for _ in 0..<10 { _ = backoff.nextDelay(random: 0.5) }
        #expect(backoff.currentBoundMillis == 5_000)
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.currentBoundMillis == 100)
        #expect(backoff.nextDelay(random: 0.5) == 50)
        #expect(backoff == ReconnectBackoff(initialMillis: 100, maxMillis: 5_000).advanced(by: 1))
    }

    @Test func delayIsNeverZero() {
        for initial: UInt64 in [2, 3, 10, 250] {
            var backoff = ReconnectBackoff(initialMillis: initial, maxMillis: initial * 64)
            for step in 0..<20 {
                #expect(backoff.nextDelay(random: step % 2 == 0 ? 0 : 1e-12) > 0, "initial \(initial), step \(step)")
            }
        }
    }

    @Test func delayIsNeverZeroEvenWithTheSmallestInitialDelay() {
        // initialMillis 1: `initialMillis / 2` is 0, so random 0 yields a zero delay (a tight reconnect loop).
        var backoff = ReconnectBackoff(initialMillis: 1, maxMillis: 1_000)
        #expect(backoff.nextDelay(random: 0) > 0)
    }
}

extension ReconnectBackoff {
    /// A copy after `failures` failed attempts.
    fileprivate func advanced(by failures: Int) -> ReconnectBackoff {
        var copy = self
        for _ in 0..<failures { _ = copy.nextDelay(random: 0) }
        return copy
    }
}
