#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether the state directory can take a new run: writable, and with room to spare.
///
/// Checked before a run is accepted, not left to the first failing write: SQLite in WAL mode
/// reuses its log file, so inserts can still succeed on a full disk while the run's logs,
/// bundle and artifacts could not be written. Refusing at the door loses nothing; failing
/// half-way through a run loses its output.
struct StateDirectoryCheck {
    let path: String
    /// Below this much free space new runs are refused.
    let minFreeBytes: UInt64

    /// What the filesystem says about space and mode.
    struct Reading: Equatable {
        var freeBytes: UInt64
        var readOnly: Bool
    }

    /// The reason to refuse a new run, or nil when there is none.
    func refusal() -> String? {
        guard let reading = read() else {
            return "the state directory \(path) cannot be examined (statvfs: \(String(cString: strerror(errno))))"
        }
        return Self.refusal(reading, path: path, minFreeBytes: minFreeBytes)
    }

    /// The decision for a reading; pure.
    static func refusal(_ reading: Reading, path: String, minFreeBytes: UInt64) -> String? {
        if reading.readOnly {
            return "the state directory \(path) is on a read-only filesystem; new runs are refused until it is writable"
        }
        if reading.freeBytes < minFreeBytes {
            return "the state directory \(path) is full: \(megabytes(reading.freeBytes)) MiB free, "
                + "at least \(megabytes(minFreeBytes)) MiB needed (--min-free-mb); new runs are refused until space is freed"
        }
        return nil
    }

    private func read() -> Reading? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        // f_bavail: what an unprivileged writer gets; the reserve for root is not ours to plan on.
        let free = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        return Reading(freeBytes: free, readOnly: (info.f_flag & UInt(ST_RDONLY)) != 0)
    }

    private static func megabytes(_ bytes: UInt64) -> UInt64 { bytes >> 20 }
}
