import Foundation
@testable import FlotillaStore
import TestSupport
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    private static let tables = ["agents", "artifacts", "attempts", "audit_log", "benchmark_samples", "jobs", "log_chunks",
                                 "runs", "test_cases", "timing_reports", "verdicts"]

    private func tableNames(_ store: CoordinatorStore) throws -> [String] {
        try store.db.query("""
            SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
            """, []) { $0.string(0) }
    }

    @Test func createsTheWholeSchemaInAnEmptyDirectory() throws {
        let fixture = try StoreFixture("migrate")
        #expect(try fixture.store.storedSchemaVersion() == CoordinatorStore.schemaVersion)
        #expect(CoordinatorStore.schemaVersion == Schema.migrations.count)
        #expect(try tableNames(fixture.store) == Self.tables)
        #expect(try fixture.store.integrityCheck() == ["ok"])
        #expect(try fixture.store.journalMode() == "wal")
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.store.databasePath)
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        #expect(try fixture.store.db.queryOne("PRAGMA application_id", []) { $0.int64(0) } == Migrator.applicationID)
    }

    @Test func reopeningKeepsDataAndChangesNothing() throws {
        let fixture = try StoreFixture("migrate")
        try Samples.insertRun(fixture.store, "r1")
        fixture.store.close()
        for _ in 0..<2 {
            let again = try fixture.reopen()
            #expect(try again.storedSchemaVersion() == CoordinatorStore.schemaVersion)
            #expect(try again.run("r1") != nil)
            #expect(try tableNames(again) == Self.tables)
            again.close()
        }
    }

    @Test func refusesADatabaseNewerThanThisBuild() throws {
        let fixture = try StoreFixture("migrate")
        try fixture.store.db.execute("PRAGMA user_version = \(CoordinatorStore.schemaVersion + 1)")
        fixture.store.close()
        let error = try #require(throws: StoreError.self) { try fixture.reopen() }
        #expect(error.kind == .schema)
        #expect(error.message.contains("schema version \(CoordinatorStore.schemaVersion + 1) is newer than this build knows"))
        #expect(error.path == fixture.stateDirectory + "/coordinator.db")
    }

    @Test func refusesAnotherApplicationsDatabase() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-migrate")
        let foreign = try Database(path: directory.file("coordinator.db"), readOnly: false, busyTimeoutMillis: 100)
        try foreign.execute("CREATE TABLE notes (text TEXT)")
        foreign.close()
        let error = try #require(throws: StoreError.self) { try CoordinatorStore(stateDirectory: directory.path) }
        #expect(error.kind == .schema)
        #expect(error.message.contains("not a Flotilla state database"))
    }

    @Test func appliesOnlyNewStepsAndRollsBackAFailedOne() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-migrate")
        let v1 = Migration(version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER);")
        let v2 = Migration(version: 2, name: "two", sql: "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1, 'v2');")
        let bad = Migration(version: 3, name: "three", sql: "CREATE TABLE c (z); INSERT INTO missing VALUES (1);")

        var store = try CoordinatorStore(stateDirectory: directory.path, mode: .readWrite, busyTimeoutMillis: 100, migrations: [v1])
        #expect(try store.storedSchemaVersion() == 1)
        store.close()

        store = try CoordinatorStore(stateDirectory: directory.path, mode: .readWrite, busyTimeoutMillis: 100, migrations: [v1, v2])
        #expect(try store.storedSchemaVersion() == 2)
        #expect(try store.db.query("SELECT x, y FROM a", []) { "\($0.int(0)) \($0.string(1))" } == ["1 v2"])
        store.close()

        let error = try #require(throws: StoreError.self) {
            try CoordinatorStore(stateDirectory: directory.path, mode: .readWrite, busyTimeoutMillis: 100, migrations: [v1, v2, bad])
        }
        #expect(error.message.contains("migration 3 (three) failed"))
        #expect(error.message.contains("no such table: missing"))

        // Step 3 left no trace; step 2's data (applied exactly once) is intact.
        store = try CoordinatorStore(stateDirectory: directory.path, mode: .readWrite, busyTimeoutMillis: 100, migrations: [v1, v2])
        #expect(try store.storedSchemaVersion() == 2)
        #expect(try store.db.queryOne("SELECT count(*) FROM sqlite_schema WHERE name = 'c'", []) { $0.int(0) } == 0)
        #expect(try store.db.queryOne("SELECT count(*) FROM a", []) { $0.int(0) } == 1)
    }

    @Test func readOnlyOpenDoesNotMigrate() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-migrate")
        let v1 = Migration(version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER);")
        let v2 = Migration(version: 2, name: "two", sql: "CREATE TABLE b (x INTEGER);")
        try CoordinatorStore(stateDirectory: directory.path, mode: .readWrite, busyTimeoutMillis: 100, migrations: [v1]).close()
        let error = try #require(throws: StoreError.self) {
            try CoordinatorStore(stateDirectory: directory.path, mode: .readOnly, busyTimeoutMillis: 100, migrations: [v1, v2])
        }
        #expect(error.kind == .schema)
        #expect(error.message.contains("read-only"))
    }
}
