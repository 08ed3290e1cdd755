import FlotillaCore
import Foundation

/// Planned jobs and gates to JSON and back, for `jobs.plan_json` and `runs.gates_json`.
///
/// Why store planned jobs rather than re-plan the pipeline text on restart: a plan depends on
/// more than the text. Shards are balanced by the test timings recorded up to submission (and
/// `list:` shards by a command's output on an agent), plan options and the `github` context
/// feed expressions, and a coordinator upgraded between crash and restart may plan differently.
/// Re-planning would give job ids and test lists that no longer match the attempts, logs and
/// artifacts already stored. The stored plan is what the client was told; recovery needs
/// neither the loader nor the planner. The pipeline text is kept too, for reports and audits.
///
/// Matrix values keep their JSON type and member order through a tagged encoding
/// (`["number", 6]`, `["object", [{"k": …, "v": …}]]`): objects read back through Foundation
/// do not keep member order. A field added to `PlannedJob` (or the types it holds) must be
/// added here as an optional, so rows written before it still decode; tests count the fields.
enum PlanCoding {
    static func encode(_ job: PlannedJob) -> String { encodeJSON(JobDTO(job)) }

    static func encode(_ gates: [GateSpec]) -> String { encodeJSON(gates.map(GateDTO.init)) }

    static func decodeJob(_ json: String, runID: String, path: String) throws(StoreError) -> PlannedJob {
        try decodeJSON(JobDTO.self, json, what: "a planned job of run \(runID)", path: path) { try $0.job }
    }

    static func decodeGates(_ json: String, runID: String, path: String) throws(StoreError) -> [GateSpec] {
        try decodeJSON([GateDTO].self, json, what: "the gates of run \(runID)", path: path) { try $0.map { try $0.gate } }
    }

    private static func encodeJSON<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            // Strings, integers, bools, and doubles with a strategy for non-finite ones: cannot fail.
            preconditionFailure("encoding a plan cannot fail: \(error)")
        }
    }

    private static func decodeJSON<T: Decodable, R>(_ type: T.Type, _ json: String, what: String, path: String,
                                                    _ convert: (T) throws -> R) throws(StoreError) -> R {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        do {
            return try convert(try decoder.decode(type, from: Data(json.utf8)))
        } catch {
            throw StoreError(kind: .corrupt, message: "\(what) cannot be read: \(error)", path: path)
        }
    }
}

private struct JobDTO: Codable {
    var id: String
    var jobKey: String
    var displayName: String
    var matrix: [MatrixDTO]
    var runsOn: [String]
    var needs: [String]
    var env: [EnvDTO]
    var timeoutMillis: UInt64
    var continueOnError: Bool
    var condition: String
    var matrixGroup: String
    var failFast: Bool
    var maxParallel: Int
    var steps: [StepDTO]
    var shard: ShardDTO?
    var shardTests: [String]?
    var shardMember: ShardMemberDTO?
    var artifacts: [ArtifactDTO]?
    var retryMax: Int?
    var retryOn: [String]?
    var benchmarkRepeat: Int?
    var benchmarkWarmup: Int?

    init(_ job: PlannedJob) {
        id = job.id; jobKey = job.jobKey; displayName = job.displayName; matrix = job.matrix.map(MatrixDTO.init)
        runsOn = job.runsOn; needs = job.needs; env = job.env.map(EnvDTO.init); timeoutMillis = job.timeoutMillis
        continueOnError = job.continueOnError; condition = job.condition; matrixGroup = job.matrixGroup
        failFast = job.failFast; maxParallel = job.maxParallel; steps = job.steps.map(StepDTO.init)
        shard = job.shard.map(ShardDTO.init); shardTests = job.shardTests
        shardMember = job.shardMember.map(ShardMemberDTO.init); artifacts = job.artifacts.map(ArtifactDTO.init)
        retryMax = job.retry.maxRetries; retryOn = job.retry.on.map(\.rawValue).sorted()
        benchmarkRepeat = job.benchmark?.repeatCount; benchmarkWarmup = job.benchmark?.warmup
    }

    var job: PlannedJob {
        get throws {
            var job = PlannedJob(id: id, jobKey: jobKey, displayName: displayName, matrix: matrix.map(\.entry),
                                 runsOn: runsOn, needs: needs, env: env.map(\.pair), timeoutMillis: timeoutMillis,
                                 continueOnError: continueOnError, condition: condition, matrixGroup: matrixGroup,
                                 failFast: failFast, maxParallel: maxParallel, steps: steps.map(\.step),
                                 artifacts: try (artifacts ?? []).map { try $0.spec })
            job.shard = try shard?.spec
            job.shardTests = shardTests ?? []
            job.shardMember = shardMember?.member
            if let retryMax, let retryOn {
                job.retry = RetryPolicy(maxRetries: retryMax, on: Set(retryOn.compactMap(RetryPolicy.Reason.init(rawValue:))))
            }
            if let benchmarkRepeat, let benchmarkWarmup {
                job.benchmark = BenchmarkSpec(repeatCount: benchmarkRepeat, warmup: benchmarkWarmup)
            }
            return job
        }
    }
}

private struct MatrixDTO: Codable {
    var axis: String
    var value: String
    var typed: TypedValue

    init(_ entry: MatrixEntry) { axis = entry.axis; value = entry.value; typed = TypedValue(entry.typedValue) }
    var entry: MatrixEntry { MatrixEntry(axis: axis, value: value, typedValue: typed.value) }
}

private struct EnvDTO: Codable {
    var name: String
    var value: String

    init(_ pair: EnvPair) { name = pair.name; value = pair.value }
    var pair: EnvPair { EnvPair(name: name, value: value) }
}

private struct StepDTO: Codable {
    var id: String
    var name: String
    var condition: String
    var run: String
    var shell: String
    var env: [EnvDTO]
    var workingDirectory: String
    var timeoutMillis: UInt64
    var continueOnError: Bool

    init(_ step: PlannedStep) {
        id = step.id; name = step.name; condition = step.condition; run = step.run; shell = step.shell
        env = step.env.map(EnvDTO.init); workingDirectory = step.workingDirectory
        timeoutMillis = step.timeoutMillis; continueOnError = step.continueOnError
    }

    var step: PlannedStep {
        PlannedStep(id: id, name: name, condition: condition, run: run, shell: shell, env: env.map(\.pair),
                    workingDirectory: workingDirectory, timeoutMillis: timeoutMillis, continueOnError: continueOnError)
    }
}

/// `ShardSpec`: `count` nil means `auto`; exactly one of `list` and `files` is set.
private struct ShardDTO: Codable {
    var count: Int?
    var list: String?
    var files: String?

    init(_ spec: ShardSpec) {
        if case .fixed(let n) = spec.count { count = n }
        switch spec.source {
        case .list(let command): list = command
        case .files(let glob): files = glob
        }
    }

    var spec: ShardSpec {
        get throws {
            let source: ShardSpec.Source
            if let list {
                source = .list(command: list)
            } else if let files {
                source = .files(glob: files)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a shard without list or files"))
            }
            return ShardSpec(count: count.map { .fixed($0) } ?? .auto, source: source)
        }
    }
}

private struct ShardMemberDTO: Codable {
    var parentID: String
    var index: Int
    var count: Int

    init(_ member: ShardMember) { parentID = member.parentID; index = member.index; count = member.count }
    var member: ShardMember { ShardMember(parentID: parentID, index: index, count: count) }
}

private struct ArtifactDTO: Codable {
    var path: String
    var name: String
    var kind: String

    init(_ spec: ArtifactSpec) { path = spec.path; name = spec.name; kind = spec.kind.rawValue }

    var spec: ArtifactSpec {
        get throws {
            guard let kind = ArtifactKind(rawValue: kind) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown artifact kind '\(kind)'"))
            }
            return ArtifactSpec(path: path, name: name, kind: kind)
        }
    }
}

/// `GateSpec`: `rule` names the case; the fields it uses are set.
private struct GateDTO: Codable {
    var name: String
    var rule: String
    var blocking: Bool
    var critical: Bool
    var maxFailures: Int?
    var minPercent: Double?
    var maxCritical: Int?
    var maxHigh: Int?
    var jobs: [String]?
    var maxRegressionPercent: Double?
    var minEffectPercent: Double?

    init(_ gate: GateSpec) {
        name = gate.name; blocking = gate.blocking; critical = gate.critical
        switch gate.rule {
        case .tests(let max): rule = "tests"; maxFailures = max
        case .coverage(let min): rule = "coverage"; minPercent = min
        case .security(let critical, let high): rule = "security"; maxCritical = critical; maxHigh = high
        case .jobs(let keys): rule = "jobs"; jobs = keys
        case .performance(let maxRegression, let minEffect):
            rule = "performance"; maxRegressionPercent = maxRegression; minEffectPercent = minEffect
        }
    }

    var gate: GateSpec {
        get throws {
            let decoded: GateSpec.Rule
            switch rule {
            case "tests": decoded = .tests(maxFailures: maxFailures ?? 0)
            case "coverage": decoded = .coverage(minPercent: minPercent ?? 0)
            case "security": decoded = .security(maxCritical: maxCritical ?? 0, maxHigh: maxHigh ?? 0)
            case "jobs": decoded = .jobs(jobs ?? [])
            case "performance": decoded = .performance(maxRegressionPercent: maxRegressionPercent ?? 20, minEffectPercent: minEffectPercent ?? 5)
            default:
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown gate rule '\(rule)'"))
            }
            return GateSpec(name: name, rule: decoded, blocking: blocking, critical: critical)
        }
    }
}

/// An `ExpressionValue` as a tagged JSON array, keeping types and object member order.
private struct TypedValue: Codable {
    var value: ExpressionValue

    init(_ value: ExpressionValue) { self.value = value }

    private struct Member: Codable {
        var k: String
        var v: TypedValue
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        switch value {
        case .null: try container.encode("null")
        case .bool(let b): try container.encode("bool"); try container.encode(b)
        case .number(let n): try container.encode("number"); try container.encode(n)
        case .string(let s): try container.encode("string"); try container.encode(s)
        case .array(let items): try container.encode("array"); try container.encode(items.map(TypedValue.init))
        case .object(let members):
            try container.encode("object")
            try container.encode(members.map { Member(k: $0.key, v: TypedValue($0.value)) })
        }
    }

    init(from decoder: Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let tag = try container.decode(String.self)
        switch tag {
        case "null": value = .null
        case "bool": value = .bool(try container.decode(Bool.self))
        case "number": value = .number(try container.decode(Double.self))
        case "string": value = .string(try container.decode(String.self))
        case "array": value = .array(try container.decode([TypedValue].self).map(\.value))
        case "object": value = .object(try container.decode([Member].self).map { (key: $0.k, value: $0.v.value) })
        default:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown value tag '\(tag)'")
        }
    }
}
