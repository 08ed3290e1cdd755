/// One step of the schema's history: the SQL that takes version `version - 1` to `version`.
struct Migration: Sendable {
    let version: Int
    let name: String
    let sql: String
}

/// Brings a database to the newest schema version this code knows, one transaction per step.
///
/// The version lives in `PRAGMA user_version` (in the database header, changed inside the
/// migration's own transaction, so a step is applied completely or not at all, even if the
/// process dies halfway). `PRAGMA application_id` marks the file as Flotilla's, so pointing
/// the coordinator at some other SQLite file is refused instead of "migrated".
enum Migrator {
    /// "FLOT" in ASCII, as in the wire protocol's magic.
    static let applicationID: Int64 = 0x464C_4F54

    /// Applies every migration newer than the database's version, in order.
    ///
    /// - Parameter migrations: strictly increasing versions starting at 1.
    /// - Returns: the version the database is at afterwards.
    /// - Throws: `.schema` when the database is newer than the newest migration, belongs to
    ///   another application, or (read-only) still needs migrating; any SQLite error of a step,
    ///   after which the database stays at the previous step's version.
    @discardableResult
    static func migrate(_ db: Database, migrations: [Migration]) throws(StoreError) -> Int {
        for (index, migration) in migrations.enumerated() {
            precondition(migration.version == index + 1, "migration versions must be 1, 2, 3, …")
        }
        let latest = migrations.last?.version ?? 0
        var (version, application) = try readHeader(db)
        try check(db, version: version, application: application, latest: latest)
        if version == latest { return version }
        guard !db.readOnly else {
            throw StoreError(kind: .schema,
                             message: "schema version \(version) needs migrating to \(latest), which a read-only open cannot do; "
                                + "start the coordinator on this state directory once",
                             path: db.path)
        }
        for migration in migrations where migration.version > version {
            try db.transaction { () throws(StoreError) in
                // Another process may have migrated between our read and our write lock.
                (version, application) = try readHeader(db)
                try check(db, version: version, application: application, latest: latest)
                guard migration.version > version else { return }
                do throws(StoreError) {
                    try db.executeScript(migration.sql)
                } catch {
                    var failure = error
                    failure.message = "migration \(migration.version) (\(migration.name)) failed: \(error.message)"
                    throw failure
                }
                try db.execute("PRAGMA user_version = \(migration.version)")
                try db.execute("PRAGMA application_id = \(applicationID)")
                version = migration.version
            }
        }
        return version
    }

    /// The schema version and application id stored in the database header.
    static func readHeader(_ db: Database) throws(StoreError) -> (version: Int, application: Int64) {
        let version = try db.queryOne("PRAGMA user_version", []) { $0.int(0) } ?? 0
        let application = try db.queryOne("PRAGMA application_id", []) { $0.int64(0) } ?? 0
        return (version, application)
    }

    private static func check(_ db: Database, version: Int, application: Int64, latest: Int) throws(StoreError) {
        if application != 0 && application != applicationID {
            throw StoreError(kind: .schema,
                             message: "not a Flotilla state database (application id \(application), expected \(applicationID))",
                             path: db.path)
        }
        if application == 0 && version != 0 {
            throw StoreError(kind: .schema,
                             message: "not a Flotilla state database (schema version \(version) without Flotilla's application id)",
                             path: db.path)
        }
        if application == 0 && version == 0 {
            let objects = try db.queryOne("SELECT count(*) FROM sqlite_schema", []) { $0.int(0) } ?? 0
            if objects > 0 {
                throw StoreError(kind: .schema,
                                 message: "not a Flotilla state database (\(objects) tables or indexes without Flotilla's application id)",
                                 path: db.path)
            }
        }
        if version > latest {
            throw StoreError(kind: .schema,
                             message: "schema version \(version) is newer than this build knows (\(latest)); "
                                + "run a Flotilla release that wrote it, or point --state at another directory",
                             path: db.path)
        }
    }
}
