#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two clocks the benchmark reads.
///
/// Wall-clock microseconds are comparable with bash's `$EPOCHREALTIME` (the same
/// `CLOCK_REALTIME`), which is how a step reports when its shell started; monotonic
/// microseconds time the throughput runs, immune to clock steps.
enum BenchClock {
    /// `CLOCK_REALTIME` in microseconds.
    static func realtimeMicros() -> Int64 { read(CLOCK_REALTIME) }

    /// `CLOCK_MONOTONIC` in microseconds.
    static func monotonicMicros() -> Int64 { read(CLOCK_MONOTONIC) }

    private static func read(_ clock: clockid_t) -> Int64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }

    /// Parses bash's `$EPOCHREALTIME` (`SECONDS.MICROS`, C locale) into microseconds.
    static func parseEpochRealtime(_ text: String) -> Int64? {
        let trimmed = text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init) ?? ""
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 6, let seconds = Int64(parts[0]), let micros = Int64(parts[1]) else {
            return nil
        }
        return seconds * 1_000_000 + micros
    }
}
