internal import CSQLite

/// One SQLite connection in WAL mode with a statement cache and nestable transactions.
///
/// Threading: opened with `SQLITE_OPEN_NOMUTEX`, so SQLite does no locking of its own and the
/// connection must be confined. `CoordinatorStore` does that with one lock held for a whole
/// call or transaction. SQLite's FULLMUTEX would not be enough anyway: it guards single API
/// calls, not a bind–step–read–reset sequence on a cached statement, nor the pairing of a
/// failed call with `sqlite3_errmsg`.
///
/// Pragmas: `journal_mode=WAL` (readers never block the writer; a commit appends to the log),
/// `synchronous=FULL` (every commit fsyncs the WAL, so a commit that returned survives power
/// loss, not only a killed process), `foreign_keys=ON`, and a busy timeout for the rare second
/// process (`flotilla status` reading the state directory).
final class Database {
    /// How far a commit must reach before `COMMIT` returns.
    enum Durability: Equatable {
        /// `synchronous=FULL`: the WAL is fsynced; survives power loss. For everything acknowledged.
        case durable
        /// `synchronous=NORMAL`: written to the OS, not fsynced; survives a killed process but
        /// not a machine crash. The next durable commit fsyncs these too, since the WAL is one
        /// sequential file. For high-rate writes nobody acknowledges (log chunks, heartbeats).
        case processCrashSafe
    }

    let path: String
    let readOnly: Bool
    private var handle: OpaquePointer?
    private var cache: [String: Statement] = [:]
    private(set) var transactionDepth = 0
    private var synchronous: Durability = .durable
    private var inReadTransaction = false

    /// Opens (creating if needed, unless `readOnly`) the database at `path`.
    ///
    /// - Throws: `StoreError` with the open's result code; `.readOnly`/`.io` when the directory or
    ///   file cannot be written, `.corrupt` when the file is not a database.
    init(path: String, readOnly: Bool, busyTimeoutMillis: Int32) throws(StoreError) {
        self.path = path
        self.readOnly = readOnly
        let flags = SQLITE_OPEN_NOMUTEX | (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        guard code == SQLITE_OK, db != nil else {
            let error = db.map { makeError(code: code, db: $0, sql: "", operation: "open") }
                ?? StoreError(kind: .other, extendedCode: code, message: "sqlite3_open_v2 returned no connection", path: path)
            close()
            throw error
        }
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMillis)
        do throws(StoreError) {
            if readOnly {
                let mode = try queryOne("PRAGMA journal_mode", []) { $0.string(0) } ?? ""
                guard mode.lowercased() == "wal" else {
                    throw StoreError(kind: .schema, message: "journal mode is '\(mode)', not WAL", sql: "PRAGMA journal_mode", path: path)
                }
            } else {
                let mode = try queryOne("PRAGMA journal_mode=WAL", []) { $0.string(0) } ?? ""
                guard mode.lowercased() == "wal" else {
                    throw StoreError(kind: .io, message: "SQLite refused WAL mode (journal mode is '\(mode)')",
                                     sql: "PRAGMA journal_mode=WAL", path: path)
                }
            }
            try execute("PRAGMA synchronous=FULL")
            try execute("PRAGMA foreign_keys=ON")
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Finalizes every cached statement and closes the connection; later calls fail with `.other`.
    func close() {
        cache.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Whether SQLite opened the file read-only (asked for, or the file was not writable).
    var isReadOnly: Bool {
        guard let handle else { return true }
        return readOnly || sqlite3_db_readonly(handle, "main") == 1
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    /// The row id of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    // MARK: Statements

    /// Runs one statement to completion.
    ///
    /// - Returns: the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        _ = try query(sql, values) { _ in () }
        return changes
    }

    /// Runs one statement and maps every result row.
    func query<T>(_ sql: String, _ values: [SQLValue], _ map: (Row) throws(StoreError) -> T) throws(StoreError) -> [T] {
        let db = try connection(sql)
        try checkTransactionAlive(db, sql)
        let statement = try prepare(sql, db)
        defer { statement.reset() }
        statement.inUse = true
        let bound = statement.bind(values)
        guard bound == SQLITE_OK else { throw makeError(code: bound, db: db, sql: sql, operation: "bind") }
        var rows: [T] = []
        while true {
            let code = sqlite3_step(statement.handle)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw makeError(code: code, db: db, sql: sql, operation: "step") }
            rows.append(try map(Row(handle: statement.handle)))
        }
    }

    /// Runs one statement and maps its first row, if any.
    func queryOne<T>(_ sql: String, _ values: [SQLValue], _ map: (Row) throws(StoreError) -> T) throws(StoreError) -> T? {
        try query(sql, values, map).first
    }

    /// Runs several `;`-separated statements without parameters (migrations).
    func executeScript(_ sql: String) throws(StoreError) {
        let db = try connection(sql)
        try checkTransactionAlive(db, sql)
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &message)
        let text = message.map { String(cString: $0) }
        sqlite3_free(message)
        guard code == SQLITE_OK else {
            var error = makeError(code: code, db: db, sql: sql, operation: "exec")
            if let text { error.message = text }
            throw error
        }
    }

    private func connection(_ sql: String) throws(StoreError) -> OpaquePointer {
        guard let handle else { throw StoreError(kind: .other, message: "the database is closed", sql: sql, path: path) }
        return handle
    }

    /// A statement for `sql`: the cached one unless it is being stepped right now.
    private func prepare(_ sql: String, _ db: OpaquePointer) throws(StoreError) -> Statement {
        if let cached = cache[sql], !cached.inUse { return cached }
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard code == SQLITE_OK, let raw else { throw makeError(code: code, db: db, sql: sql, operation: "prepare") }
        let statement = Statement(handle: raw, sql: sql)
        if cache[sql] == nil { cache[sql] = statement }
        return statement
    }

    /// Refuses to run a statement inside a transaction SQLite has already rolled back.
    ///
    /// After SQLITE_FULL, IOERR or BUSY in the middle of a transaction SQLite may roll the
    /// whole transaction back on its own. A caller that caught the error and went on would
    /// otherwise run its remaining statements one by one in autocommit mode, committing half
    /// of what was meant to be atomic.
    private func checkTransactionAlive(_ db: OpaquePointer, _ sql: String) throws(StoreError) {
        if transactionDepth > 0 && sqlite3_get_autocommit(db) != 0 {
            throw StoreError(kind: .other, message: "SQLite rolled back the enclosing transaction after an earlier error",
                             sql: sql, path: path)
        }
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE … COMMIT`, or a savepoint when nested.
    ///
    /// IMMEDIATE takes the write lock at the start, so a transaction never fails halfway with
    /// SQLITE_BUSY on its first write. A throw from `body` rolls back (to the savepoint when
    /// nested) and rethrows. `durability` applies to the outermost transaction only: SQLite
    /// cannot change `synchronous` inside one.
    @discardableResult
    func transaction<T>(_ durability: Durability = .durable, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try begin(durability)
        let result: T
        do {
            result = try body()
        } catch {
            rollback()
            throw error
        }
        try commit()
        return result
    }

    /// The same as `transaction(_:_:)` for a body that throws any error.
    @discardableResult
    func transactionAnyError<T>(_ durability: Durability = .durable, _ body: () throws -> T) throws -> T {
        try begin(durability)
        let result: T
        do {
            result = try body()
        } catch {
            rollback()
            throw error
        }
        try commit()
        return result
    }

    /// Runs `body` in a read transaction, so several queries see one snapshot; joins an
    /// enclosing transaction. Ends with ROLLBACK: a read has nothing to commit.
    func readTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if transactionDepth > 0 { return try body() }
        try execute("BEGIN DEFERRED")
        transactionDepth = 1
        inReadTransaction = true
        defer {
            transactionDepth = 0
            inReadTransaction = false
            if let handle, sqlite3_get_autocommit(handle) == 0 { sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
        }
        return try body()
    }

    func begin(_ durability: Durability) throws(StoreError) {
        precondition(!inReadTransaction, "a write inside a read transaction would be rolled back")
        if transactionDepth == 0 {
            if durability != synchronous {
                try execute(durability == .durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
                synchronous = durability
            }
            try execute("BEGIN IMMEDIATE")
        } else {
            try execute("SAVEPOINT nested\(transactionDepth)")
        }
        transactionDepth += 1
    }

    func commit() throws(StoreError) {
        precondition(transactionDepth > 0, "commit without begin")
        if transactionDepth > 1 {
            do {
                try execute("RELEASE nested\(transactionDepth - 1)")
            } catch {
                rollback()
                throw error
            }
            transactionDepth -= 1
            return
        }
        do {
            try execute("COMMIT")
            transactionDepth = 0
        } catch {
            // A COMMIT that failed (BUSY, FULL, IOERR) may leave the transaction open; end it.
            rollback()
            throw error
        }
    }

    /// Undoes the innermost transaction level; never throws, since it runs on error paths.
    func rollback() {
        precondition(transactionDepth > 0, "rollback without begin")
        transactionDepth -= 1
        guard let handle, sqlite3_get_autocommit(handle) == 0 else { return }
        if transactionDepth == 0 {
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
        } else {
            sqlite3_exec(handle, "ROLLBACK TO nested\(transactionDepth); RELEASE nested\(transactionDepth)", nil, nil, nil)
        }
    }

    // MARK: Errors

    fileprivate func makeError(code: Int32, db: OpaquePointer, sql: String, operation: String) -> StoreError {
        let errno = sqlite3_system_errno(db)
        let message = String(cString: sqlite3_errmsg(db))
        return StoreError(kind: StoreError.classify(extendedCode: code, systemErrno: errno), extendedCode: code,
                          systemErrno: errno, message: "\(operation): \(message)", sql: sql, path: path)
    }
}
