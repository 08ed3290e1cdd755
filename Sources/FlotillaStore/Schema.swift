/// The coordinator database's schema history. Append new steps; never edit a released one.
///
/// Conventions: times are integer milliseconds since the Unix epoch (wall clock, supplied by
/// the caller); enumerations are stored as lowercase words so `sqlite3 coordinator.db` is
/// readable; `UInt64` values are stored by bit pattern.
enum Schema {
    static let migrations: [Migration] = [
        Migration(version: 1, name: "initial schema", sql: initial),
        Migration(version: 2, name: "benchmark samples", sql: benchmarkSamples),
    ]

    /// The version a database opened by this build ends up at.
    static var latestVersion: Int { migrations.last?.version ?? 0 }

    private static let jobStates = "'queued', 'assigned', 'running', 'succeeded', 'failed', 'timed_out', 'agent_lost', 'cancelled', 'skipped'"

    private static let initial = """
        CREATE TABLE runs (
            number INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            pipeline_file TEXT NOT NULL,
            pipeline_text TEXT NOT NULL,
            bundle_sha256 TEXT NOT NULL,
            bundle_size INTEGER NOT NULL,
            source_revision TEXT NOT NULL,
            submitter TEXT NOT NULL,
            emergency INTEGER NOT NULL CHECK (emergency IN (0, 1)),
            gates_json TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('waiting_for_bundle', 'active', 'finished')),
            outcome TEXT CHECK (outcome IN ('succeeded', 'failed', 'cancelled', 'error')),
            submitted_at INTEGER NOT NULL,
            finished_at INTEGER,
            CHECK ((state = 'finished') = (outcome IS NOT NULL))
        );
        CREATE INDEX runs_unfinished ON runs (number) WHERE state <> 'finished';

        CREATE TABLE jobs (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            job_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            job_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            plan_json TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN (\(jobStates))),
            detail TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (run_id, job_id),
            UNIQUE (run_id, position)
        ) WITHOUT ROWID;

        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            agent TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN (\(jobStates))),
            exit_code INTEGER,
            assigned_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            log_path TEXT NOT NULL,
            UNIQUE (run_id, job_id, attempt),
            FOREIGN KEY (run_id, job_id) REFERENCES jobs (run_id, job_id) ON DELETE CASCADE
        );

        CREATE TABLE agents (
            name TEXT PRIMARY KEY,
            labels_json TEXT NOT NULL,
            capacity INTEGER NOT NULL,
            fingerprint_os TEXT,
            fingerprint_arch TEXT,
            fingerprint_cpu_model TEXT,
            fingerprint_cores INTEGER,
            fingerprint_memory_bytes INTEGER,
            fingerprint_kernel TEXT,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            drained INTEGER NOT NULL DEFAULT 0 CHECK (drained IN (0, 1))
        ) WITHOUT ROWID;

        CREATE TABLE log_chunks (
            attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
            sequence INTEGER NOT NULL,
            stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
            step INTEGER NOT NULL,
            byte_offset INTEGER NOT NULL CHECK (byte_offset >= 0),
            byte_length INTEGER NOT NULL CHECK (byte_length >= 0),
            PRIMARY KEY (attempt_id, sequence)
        ) WITHOUT ROWID;

        CREATE TABLE artifacts (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
            relative_path TEXT NOT NULL,
            kind TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;

        CREATE TABLE timing_reports (
            job_key TEXT NOT NULL,
            run_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (job_key, run_id, job_id)
        ) WITHOUT ROWID;

        CREATE TABLE test_cases (
            job_key TEXT NOT NULL,
            run_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            classname TEXT NOT NULL,
            name TEXT NOT NULL,
            file TEXT NOT NULL,
            seconds REAL NOT NULL CHECK (seconds >= 0),
            PRIMARY KEY (job_key, run_id, job_id, ordinal),
            FOREIGN KEY (job_key, run_id, job_id) REFERENCES timing_reports (job_key, run_id, job_id) ON DELETE CASCADE
        ) WITHOUT ROWID;

        CREATE TABLE verdicts (
            run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            json TEXT NOT NULL,
            recorded_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_log_by_subject ON audit_log (subject, id);
        """

    /// Benchmark samples, one row per measured iteration (see `CoordinatorStore+Benchmarks`).
    ///
    /// A series is (pipeline, job_id, metric, machine_class); `pipeline` is the file name as
    /// submitted without a leading `./`, as in the test-timing keys. The key makes a resent
    /// sample a no-op; `purpose` keeps confirmation re-runs out of the history baselines.
    private static let benchmarkSamples = """
        CREATE TABLE benchmark_samples (
            run_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            attempt INTEGER NOT NULL CHECK (attempt >= 0),
            metric TEXT NOT NULL,
            iteration INTEGER NOT NULL CHECK (iteration >= 0),
            purpose TEXT NOT NULL CHECK (purpose IN ('run', 'confirm')),
            pipeline TEXT NOT NULL,
            unit TEXT NOT NULL,
            lower_is_better INTEGER NOT NULL CHECK (lower_is_better IN (0, 1)),
            machine_class TEXT NOT NULL,
            agent TEXT NOT NULL,
            revision TEXT NOT NULL,
            value REAL NOT NULL,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (run_id, job_id, attempt, metric, iteration, purpose),
            FOREIGN KEY (run_id, job_id) REFERENCES jobs (run_id, job_id) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE INDEX benchmark_samples_by_series
            ON benchmark_samples (pipeline, job_id, metric, machine_class, purpose, run_id);
        """
}
