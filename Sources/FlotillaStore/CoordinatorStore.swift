// FlotillaStore: the coordinator's durable state, in SQLite (WAL mode) under the state directory.
//
// `STATE/coordinator.db` holds runs, planned jobs, attempts, agents, the log index, artifact
// records, test timings, verdicts and an audit log; log bytes live in per-attempt files under
// `STATE/logs/`. This is the only module that imports CSQLite; no C type leaves it.
//
// ## Durability: what is safe when a call returns
//
// Every mutating call is one transaction (or joins the caller's `transaction { }`), and is
// committed when it returns. There are two strengths:
//
// - **Durable** (`synchronous=FULL`: the WAL is fsynced before `COMMIT` returns; survives
//   kill -9, an OS crash and power loss): `insertRun`, `replacePlannedJobs`, `setRunState`,
//   `finishRun`, `setJobState`, `recordAssignment`, `recordAttemptStarted`, `recordAttemptResult`
//   (which first fsyncs the attempt's log file), `recordAgentSeen`, `setAgentDrained`,
//   `recordArtifact`, `recordTestTimings`, `recordVerdict`, `recordAudit`, and everything
//   inside `transaction { }`.
// - **Process-crash safe** (`synchronous=NORMAL`: in the OS page cache; survives kill -9 of the
//   coordinator but a machine crash may lose the newest ones; the next durable commit makes
//   them durable too): `appendLog`, `recordAgentHeartbeat`. These come at a rate an fsync
//   per call could not sustain, and nobody is told they were stored.
//
// What the coordinator must do before it tells anyone:
// - before `RunAccepted`: `insertRun` (stores the run, its planned jobs and the audit line);
// - before sending `AssignJob`: `recordAssignment`, so an agent that reconnects after a
//   coordinator restart reports an attempt the store knows;
// - before an artifact is acknowledged: `recordArtifact` (after the blob is renamed into the
//   content-addressed store, so a record never points at missing bytes);
// - before `JobEvent`/`RunFinished` for a finished job or run: `recordAttemptResult` /
//   `finishRun`; before reporting a verdict: `recordVerdict`;
// - before answering a cancel or drain request: `recordAudit` / `setAgentDrained`.
//
// On `StoreError.isStorageUnavailable` (read-only or full state directory) the coordinator
// refuses new runs and keeps serving; everything already committed stays readable, since a
// failed transaction rolls back and leaves earlier commits untouched. What could not be
// stored must not be acknowledged (an agent resends its result after it reconnects).
//
// ## Idempotency
// Agents resend after reconnects: a second `recordAttemptResult`, `recordAssignment` or
// `appendLog` for the same attempt (and sequence) changes nothing and returns `false`;
// so does a second timing report of a job for a run, and an identical artifact record.
//
// ## Threading
// A `CoordinatorStore` may be shared between threads: one recursive lock is held for each
// call and for the whole of a `transaction { }` body (so store calls inside the body join
// it). Do not wait inside a body for another thread that uses the store.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import FlotillaCore
import WireProtocol

/// The coordinator's durable state: a typed repository over SQLite and the log files.
public final class CoordinatorStore: @unchecked Sendable {
    /// How the database is opened.
    public enum AccessMode: Sendable, Equatable {
        /// Creates the directory and database if needed and migrates the schema.
        case readWrite
        /// Never writes (for `flotilla status` or a state directory that cannot take writes);
        /// the schema must already be current.
        case readOnly
    }

    /// The file name of the database inside the state directory.
    public static let databaseFileName = "coordinator.db"

    /// The schema version this build creates and reads.
    public static var schemaVersion: Int { Schema.latestVersion }

    /// The state directory this store lives in.
    public let stateDirectory: String
    /// `stateDirectory/coordinator.db`.
    public let databasePath: String

    let db: Database
    private let lock = NSRecursiveLock()

    /// Opens the store in `stateDirectory`, creating and migrating it unless `mode` is `.readOnly`.
    ///
    /// - Parameters:
    ///   - stateDirectory: created (mode 0750) if missing in `.readWrite` mode.
    ///   - busyTimeoutMillis: how long a statement waits for another process's lock.
    /// - Throws: `StoreError`: `.schema` for a database newer than this build or not Flotilla's;
    ///   `.readOnly`/`.full`/`.io` when the directory or file cannot be used.
    public convenience init(stateDirectory: String, mode: AccessMode = .readWrite, busyTimeoutMillis: Int = 5000) throws(StoreError) {
        try self.init(stateDirectory: stateDirectory, mode: mode, busyTimeoutMillis: busyTimeoutMillis, migrations: Schema.migrations)
    }

    init(stateDirectory: String, mode: AccessMode, busyTimeoutMillis: Int, migrations: [Migration]) throws(StoreError) {
        self.stateDirectory = stateDirectory
        self.databasePath = stateDirectory + "/" + Self.databaseFileName
        if mode == .readWrite { try LogFiles.makeDirectories(stateDirectory) }
        let isNew = access(databasePath, F_OK) != 0
        db = try Database(path: databasePath, readOnly: mode == .readOnly,
                          busyTimeoutMillis: Int32(clamping: busyTimeoutMillis))
        // SQLite creates 0644 files (and gives -wal/-shm the database's mode); runs hold
        // pipeline text and logs are 0640 too, so keep the state to the coordinator's group.
        if isNew && mode == .readWrite { chmod(databasePath, 0o640) }
        try Migrator.migrate(db, migrations: migrations)
    }

    /// Closes the database; every later call throws. Closing also happens on release.
    public func close() {
        locked { db.close() }
    }

    /// Whether writes are impossible (opened `.readOnly`, or SQLite found the file read-only).
    public var isReadOnly: Bool { locked { db.isReadOnly } }

    /// The schema version stored in the database.
    public func storedSchemaVersion() throws(StoreError) -> Int {
        try locked { () throws(StoreError) in try Migrator.readHeader(db).version }
    }

    /// Whether the WAL journal is in use (it always is once opened; for health checks and tests).
    public func journalMode() throws(StoreError) -> String {
        try locked { () throws(StoreError) in try db.queryOne("PRAGMA journal_mode", []) { $0.string(0) } ?? "" }
    }

    /// SQLite's `PRAGMA integrity_check`: `["ok"]` for a sound database, else the problems found.
    public func integrityCheck() throws(StoreError) -> [String] {
        try locked { () throws(StoreError) in try db.query("PRAGMA integrity_check", []) { $0.string(0) } }
    }

    /// Runs `body` as one durable transaction; store calls inside it join it.
    ///
    /// Either everything `body` wrote is committed (and fsynced) when this returns, or, if
    /// `body` or the commit throws, nothing is.
    ///
    /// - Throws: what `body` throws, or a `StoreError` from beginning or committing.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try locked { () throws -> T in try db.transactionAnyError(.durable, body) }
    }

    // MARK: Internal helpers

    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// A transaction under the lock.
    @discardableResult
    func write<T>(_ durability: Database.Durability = .durable, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try locked { () throws(StoreError) -> T in
            // SQLite would refuse the first write itself, but appendLog writes its file before
            // any SQL; refusing up front keeps a read-only handle from touching the directory.
            if db.isReadOnly {
                throw StoreError(kind: .readOnly, extendedCode: 8, message: "the state database is open read-only",
                                 path: databasePath)
            }
            return try db.transaction(durability, body)
        }
    }

    /// Reads under the lock, in one snapshot (a read transaction, or the caller's transaction).
    func read<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try locked { () throws(StoreError) -> T in try db.readTransaction(body) }
    }
}
