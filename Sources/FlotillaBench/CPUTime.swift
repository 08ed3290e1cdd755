#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time (user + system) of this process and its reaped children, in microseconds.
///
/// Coordinator, agents and the reference all live in this process and every job process
/// is its child, so the difference across a phase is that phase's whole CPU bill; on a
/// shared machine it is steadier than wall time.
enum CPUTime {
    static func totalMicros() -> Int64 {
        micros(RUSAGE_SELF) + micros(RUSAGE_CHILDREN)
    }

    /// CPU time of the calling thread, in microseconds (run it on an event loop to read that loop's bill).
    static func currentThreadMicros() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }

    private static func micros(_ who: __rusage_who) -> Int64 {
        var usage = rusage()
        guard getrusage(__rusage_who_t(who.rawValue), &usage) == 0 else { return 0 }
        func value(_ time: timeval) -> Int64 { Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_usec) }
        return value(usage.ru_utime) + value(usage.ru_stime)
    }
}
