#if canImport(Glibc)
import Glibc
#endif
@testable import FlotillaStore
import TestSupport
import Testing

@Suite("SQLite wrapper")
struct DatabaseTests {
    private struct Abort: Error {}

    private func database(_ directory: TemporaryDirectory) throws -> Database {
        let db = try Database(path: directory.file("test.db"), readOnly: false, busyTimeoutMillis: 1000)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v)")
        return db
    }

    @Test func opensInWALModeWithForeignKeysAndFullSync() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-db")
        let db = try database(directory)
        #expect(try db.queryOne("PRAGMA journal_mode", []) { $0.string(0) } == "wal")
        #expect(try db.queryOne("PRAGMA foreign_keys", []) { $0.int(0) } == 1)
        #expect(try db.queryOne("PRAGMA synchronous", []) { $0.int(0) } == 2)  // FULL
        try db.execute("INSERT INTO t VALUES (1, 'x')")
        #expect(access(directory.file("test.db-wal"), F_OK) == 0, "a write in WAL mode goes to the -wal file")
    }

    @Test func bindsAndReadsEveryStorageClass() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-db")
        let db = try database(directory)
        let values: [SQLValue] = [
            .integer(.min), .integer(.max), .unsigned(.max), .real(-0.125), .text(""), .text("ß∂ 🐧\u{0}tail"),
            .blob([]), .blob([0, 255, 1, 0]), .null,
        ]
        for (key, value) in values.enumerated() {
            try db.execute("INSERT INTO t (k, v) VALUES (?, ?)", [.int(key), value])
        }
        let back = try db.query("SELECT v, typeof(v) FROM t ORDER BY k", []) { row -> SQLValue in
            switch row.string(1) {
            case "integer": return .integer(row.int64(0))
            case "real": return .real(row.double(0))
            case "text": return .text(row.string(0))
            case "blob": return .blob(row.blob(0))
            default: return .null
            }
        }
        // An empty blob is stored as a zero-length blob, not NULL; an empty string as "", not NULL.
        #expect(back == values)
        #expect(try db.queryOne("SELECT v FROM t WHERE k = 2", []) { $0.unsigned(0) } == UInt64.max)
    }

    @Test func transactionRollsBackWhenTheBodyThrows() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-db")
        let db = try database(directory)
        try db.execute("INSERT INTO t VALUES (1, 'kept')")
        #expect(throws: Abort.self) {
            try db.transactionAnyError {
                try db.execute("INSERT INTO t VALUES (2, 'gone')")
                try db.execute("UPDATE t SET v = 'changed' WHERE k = 1")
                throw Abort()
            }
        }
        #expect(try db.query("SELECT k, v FROM t ORDER BY k", []) { "\($0.int(0))=\($0.string(1))" } == ["1=kept"])
        #expect(db.transactionDepth == 0)
        // The connection is usable afterwards.
        try db.transaction { () throws(StoreError) in try db.execute("INSERT INTO t VALUES (3, 'later')") }
        #expect(try db.query("SELECT k FROM t ORDER BY k", []) { $0.int(0) } == [1, 3])
    }

    @Test func nestedTransactionRollsBackOnlyItsSavepoint() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-db")
        let db = try database(directory)
        try db.transactionAnyError {
            try db.execute("INSERT INTO t VALUES (1, 'outer')")
            do {
                try db.transactionAnyError {
                    try db.execute("INSERT INTO t VALUES (2, 'inner')")
                    throw Abort()
                }
            } catch is Abort {}
            try db.execute("INSERT INTO t VALUES (3, 'outer again')")
        }
        #expect(try db.query("SELECT k FROM t ORDER BY k", []) { $0.int(0) } == [1, 3])
    }

    @Test func constraintErrorCarriesCodesSQLAndPath() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-db")
        let db = try database(directory)
        try db.execute("INSERT INTO t VALUES (1, 'x')")
        let error = try #require(throws: StoreError.self) {
            try db.execute("INSERT INTO t VALUES (1, 'again')\n-- second line")
        }
        #expect(error.kind == .constraint)
        #expect(error.resultCode == 19)
        #expect(error.extendedCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
        #expect(error.sql == "INSERT INTO t VALUES (1, 'again')")
        #expect(error.path == directory.file("test.db"))
        #expect(error.message.contains("UNIQUE constraint failed: t.k"))
        #expect(error.description.contains("while running 'INSERT INTO t VALUES (1, 'again')'"))
    }

    @Test func sameStatementCanRunInsideItsOwnRowLoop() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-db")
        let db = try database(directory)
        for k in 1...3 { try db.execute("INSERT INTO t VALUES (?, ?)", [.int(k), .int(k * 10)]) }
        let sql = "SELECT v FROM t WHERE k >= ? ORDER BY k"
        let nested = try db.query(sql, [.int(1)]) { outer throws(StoreError) -> [Int] in
            try db.query(sql, [.int(outer.int(0) / 10)]) { $0.int(0) }
        }
        #expect(nested == [[10, 20, 30], [20, 30], [30]])
    }

    @Test(arguments: [
        (8, 0, StoreError.Kind.readOnly), (264, 0, .readOnly), (1032, 0, .readOnly), (13, 0, .full),
        (10, ENOSPC, .full), (778, EROFS, .readOnly), (14, EACCES, .readOnly), (10, EIO, .io), (266, 0, .io),
        (5, 0, .busy), (6, 0, .busy), (11, 0, .corrupt), (26, 0, .corrupt), (2067, 0, .constraint),
        (1, 0, .other), (21, 0, .other),
    ])
    func classifiesResultCodes(extended: Int32, errno: Int32, kind: StoreError.Kind) {
        #expect(StoreError.classify(extendedCode: extended, systemErrno: errno) == kind)
    }

    @Test func fileErrorsAreClassifiedByErrno() {
        #expect(StoreError.file("pwrite", path: "/x", errno: ENOSPC).kind == .full)
        #expect(StoreError.file("open", path: "/x", errno: EROFS).kind == .readOnly)
        #expect(StoreError.file("open", path: "/x", errno: EACCES).isStorageUnavailable)
        #expect(StoreError.file("open", path: "/x", errno: EIO).kind == .io)
        #expect(StoreError.file("pwrite", path: "/x", errno: ENOSPC).summary == "the state directory is full")
    }
}
