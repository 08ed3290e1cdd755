internal import CSQLite

/// A prepared statement, owned by one `Database` and cached by its SQL text.
///
/// Not thread-safe: `Database` is used under the store's lock, so one statement is stepped by
/// one thread at a time. `inUse` keeps a nested query with the same SQL from resetting a
/// statement still being stepped; that caller gets a fresh, uncached statement instead.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    var inUse = false

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values` to parameters 1…n; returns the SQLite code of the first failure, or SQLITE_OK.
    func bind(_ values: [SQLValue]) -> Int32 {
        precondition(values.count == Int(sqlite3_bind_parameter_count(handle)),
                     "\(values.count) values for \(sqlite3_bind_parameter_count(handle)) parameters in \(sql)")
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = sqlite3_bind_double(handle, index, v)
            case .null: code = sqlite3_bind_null(handle, index)
            case .text(let v):
                // A nil pointer would bind NULL, not ""; withCString always has one.
                code = v.withCString { pointer in
                    sqlite3_bind_text(handle, index, pointer, Int32(v.utf8.count), flotilla_sqlite_transient())
                }
            case .blob(let bytes):
                if bytes.isEmpty {
                    code = sqlite3_bind_zeroblob(handle, index, 0)
                } else {
                    code = bytes.withUnsafeBytes { raw in
                        sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), flotilla_sqlite_transient())
                    }
                }
            }
            if code != SQLITE_OK { return code }
        }
        return SQLITE_OK
    }

    /// Makes the statement ready for its next use and drops bound values (large blobs included).
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        inUse = false
    }
}

/// The current result row of a statement being stepped; valid only inside the row closure.
struct Row {
    let handle: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    /// A value stored with `SQLValue.unsigned`.
    func unsigned(_ column: Int32) -> UInt64 { UInt64(bitPattern: sqlite3_column_int64(handle, column)) }

    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(handle, column) != 0 }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    /// The column as UTF-8 text; "" for NULL.
    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

    func blob(_ column: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
