#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the state store: SQLite or the log files beside it.
///
/// `kind` is what a caller decides on. The coordinator answers `.readOnly` and `.full` by
/// refusing new runs ("state directory is read-only: refusing new runs") while it keeps
/// serving what it already has; `summary` is that sentence's first half. The raw SQLite
/// codes, `errno`, the statement and the path are there for the log line.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is, for deciding what to do about it.
    public enum Kind: Sendable, Equatable {
        /// The database or state directory cannot be written (SQLITE_READONLY*, EROFS, EACCES, EPERM).
        case readOnly
        /// No space left (SQLITE_FULL, ENOSPC, EDQUOT).
        case full
        /// Another connection holds the lock longer than the busy timeout (SQLITE_BUSY, SQLITE_LOCKED).
        case busy
        /// The database file is damaged or not a database (SQLITE_CORRUPT, SQLITE_NOTADB), or a
        /// stored value cannot be decoded.
        case corrupt
        /// Any other I/O failure (SQLITE_IOERR*, SQLITE_CANTOPEN, file calls).
        case io
        /// A constraint was violated (SQLITE_CONSTRAINT*), or a record conflicts with a stored one.
        case constraint
        /// The database's schema is not one this code can use (newer, or not a Flotilla database).
        case schema
        /// A record the call refers to was never stored.
        case notFound
        /// Anything else (misuse, out of memory, a transaction SQLite already rolled back).
        case other
    }

    public var kind: Kind
    /// SQLite's extended result code; 0 when the failure did not come from SQLite.
    public var extendedCode: Int32
    /// The `errno` of the failed system call (SQLite's `sqlite3_system_errno`, or the file call's); 0 if none.
    public var systemErrno: Int32
    /// `sqlite3_errmsg` or a description of the failure.
    public var message: String
    /// The first line of the SQL being run; empty for file operations.
    public var sql: String
    /// The database file or log file concerned.
    public var path: String

    /// SQLite's primary result code (the low byte of the extended code).
    public var resultCode: Int32 { extendedCode & 0xFF }

    public init(kind: Kind, extendedCode: Int32 = 0, systemErrno: Int32 = 0, message: String, sql: String = "", path: String) {
        self.kind = kind; self.extendedCode = extendedCode; self.systemErrno = systemErrno
        self.message = message; self.sql = Self.firstLine(sql); self.path = path
    }

    /// True when the state directory cannot take writes: new work must be refused.
    public var isStorageUnavailable: Bool { kind == .readOnly || kind == .full }

    /// A short sentence for operators: "the state directory is read-only", "… is full", ….
    public var summary: String {
        switch kind {
        case .readOnly: return "the state directory is read-only"
        case .full: return "the state directory is full"
        case .busy: return "the state database is locked by another process"
        case .corrupt: return "the state database is damaged"
        case .io: return "the state directory cannot be read or written"
        case .constraint: return "a state record conflicts with a stored one"
        case .schema: return "the state database has a schema this version cannot use"
        case .notFound: return "a state record is missing"
        case .other: return "the state store failed"
        }
    }

    public var description: String {
        var parts = ["\(summary): \(message)"]
        if extendedCode != 0 { parts.append("SQLite code \(resultCode) (extended \(extendedCode))") }
        if systemErrno != 0 { parts.append("errno \(systemErrno) (\(String(cString: strerror(systemErrno))))") }
        if !sql.isEmpty { parts.append("while running '\(sql)'") }
        parts.append("at \(path)")
        return parts.joined(separator: "; ")
    }

    /// The kind for a SQLite result code, refined by the system `errno` behind an I/O error.
    static func classify(extendedCode: Int32, systemErrno: Int32) -> Kind {
        let primary = extendedCode & 0xFF
        // An I/O error or failed open hides the interesting part in errno: EROFS is a read-only
        // state directory, ENOSPC a full one.
        if primary == 10 || primary == 14, systemErrno != 0 {
            let byErrno = classify(errno: systemErrno)
            if byErrno != .io { return byErrno }
        }
        switch primary {
        case 3, 8, 23: return .readOnly       // SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH
        case 13: return .full                 // SQLITE_FULL
        case 5, 6: return .busy               // SQLITE_BUSY, SQLITE_LOCKED
        case 11, 26: return .corrupt          // SQLITE_CORRUPT, SQLITE_NOTADB
        case 10, 14: return .io               // SQLITE_IOERR, SQLITE_CANTOPEN
        case 19: return .constraint           // SQLITE_CONSTRAINT
        default: return .other
        }
    }

    /// The kind for a failed file call's `errno`.
    static func classify(errno code: Int32) -> Kind {
        switch code {
        case EROFS, EACCES, EPERM: return .readOnly
        case ENOSPC, EDQUOT: return .full
        default: return .io
        }
    }

    /// An error for a failed file system call, with its `errno`.
    static func file(_ call: String, path: String, errno code: Int32) -> StoreError {
        StoreError(kind: classify(errno: code), systemErrno: code,
                   message: "\(call) failed: \(String(cString: strerror(code)))", path: path)
    }

    private static func firstLine(_ sql: String) -> String {
        let trimmed = sql.drop { $0 == " " || $0 == "\n" }
        return String(trimmed.prefix { $0 != "\n" })
    }
}
