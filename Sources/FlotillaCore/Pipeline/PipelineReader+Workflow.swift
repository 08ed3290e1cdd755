internal import FlotillaYAML

extension PipelineReader {
    static let workflowKeys = ["name", "env", "defaults", "jobs", "gates"]
    static let ignoredWorkflowKeys = ["on", "run-name", "permissions", "concurrency"]

    /// Reads the whole file; nil when the structure is too broken to describe.
    mutating func readPipeline(_ root: YAMLNode) -> Pipeline? {
        if root.scalar?.resolved == .null {
            error("the pipeline file is empty; expected a mapping with 'jobs:'", at: loc(root))
            return nil
        }
        guard let pairs = mapping(root, "pipeline file") else { return nil }
        var pipeline = Pipeline(fileName: file, name: nil, env: [], defaults: PipelineRunDefaults(), jobs: [], warnings: [])
        var sawJobs = false
        var gateJobs: [GateJobReference] = []
        for field in fields(pairs, allowed: Self.workflowKeys, ignored: Self.ignoredWorkflowKeys, in: "the workflow") {
            switch field.name {
            case "name":
                if let t = text(field.value, "name") { pipeline.name = Located(t.text, at: t.location) }
            case "env":
                pipeline.env = env(field.value, "env")
            case "defaults":
                pipeline.defaults = defaults(field.value, "defaults")
            case "jobs":
                sawJobs = true
                pipeline.jobs = jobs(field.value)
            case "gates":
                (pipeline.gates, gateJobs) = gates(field.value)
            default:
                preconditionFailure("unhandled workflow key \(field.name)")
            }
        }
        if !sawJobs { error("the workflow has no 'jobs:' section", at: loc(root)) }
        checkNeeds(pipeline.jobs)
        checkGateJobs(gateJobs, pipeline.jobs)
        pipeline.warnings = sortedDiagnostics.filter { $0.severity == .warning }
        return pipeline
    }

    /// `defaults:` with its only supported member, `run` (`shell`, `working-directory`).
    mutating func defaults(_ node: YAMLNode, _ what: String) -> PipelineRunDefaults {
        var result = PipelineRunDefaults()
        guard let pairs = mapping(node, what) else { return result }
        for field in fields(pairs, allowed: ["run"], in: "'\(what)'") {
            guard let runPairs = mapping(field.value, "\(what).run") else { continue }
            for run in fields(runPairs, allowed: ["shell", "working-directory"], in: "'\(what).run'") {
                if run.name == "shell" {
                    result.shell = shell(run.value, "\(what).run.shell")
                } else {
                    result.workingDirectory = text(run.value, "\(what).run.working-directory")
                }
            }
        }
        return result
    }

    /// A `shell:` value; Flotilla agents run `bash` and `sh`.
    mutating func shell(_ node: YAMLNode, _ what: String) -> Located<String>? {
        guard let s = literal(node, what) else { return nil }
        guard s.value == "bash" || s.value == "sh" else {
            error("shell '\(s.value)' is not supported on Flotilla agents; use bash or sh", at: s.location)
            return nil
        }
        return s
    }

    private mutating func jobs(_ node: YAMLNode) -> [PipelineJob] {
        guard let pairs = mapping(node, "jobs") else { return [] }
        if pairs.isEmpty { error("'jobs' is empty; define at least one job", at: loc(node)) }
        var result: [PipelineJob] = []
        for pair in pairs {
            guard let key = literal(pair.key, "job id") else { continue }
            guard Self.isValidJobID(key.value) else {
                error("invalid job id '\(key.value)': a job id must start with a letter or '_' and contain only letters, digits, '-' and '_'", at: key.location)
                continue
            }
            if let job = job(key, pair.value) { result.append(job) }
        }
        return result
    }

    /// GitHub's rule for job (and step) ids: `[A-Za-z_][A-Za-z0-9_-]*`.
    static func isValidJobID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return id.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// Reports `needs` naming unknown jobs, and dependency cycles with their members in order.
    private mutating func checkNeeds(_ jobs: [PipelineJob]) {
        let byKey = Dictionary(jobs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for job in jobs {
            for need in job.needs where byKey[need.value] == nil {
                let known = jobs.map(\.key).filter { $0 != job.key }
                let hint = known.isEmpty ? "" : "; jobs are: \(known.joined(separator: ", "))"
                error("job '\(job.key)' needs '\(need.value)', which is not a job in this workflow\(hint)", at: need.location)
            }
        }
        // Depth-first search in file order (iterative: a long `needs` chain must not exhaust
        // the stack); each cycle is reported once, at the `needs` entry that closes it, with
        // its members in path order.
        var state: [String: Int] = [:]  // 1 = on the current path, 2 = finished
        var reported: Set<Set<String>> = []
        for root in jobs where state[root.key] == nil {
            var path: [(key: String, next: Int)] = [(root.key, 0)]
            state[root.key] = 1
            while let top = path.last {
                let needs = byKey[top.key]?.needs ?? []
                guard top.next < needs.count else {
                    state[top.key] = 2
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                let need = needs[top.next]
                guard byKey[need.value] != nil else { continue }
                switch state[need.value] {
                case 1:
                    let start = path.firstIndex { $0.key == need.value }!
                    let members = path[start...].map(\.key)
                    if reported.insert(Set(members)).inserted {
                        let chain = (members + [need.value]).joined(separator: " -> ")
                        error(members.count == 1 ? "job '\(top.key)' needs itself" : "dependency cycle between jobs: \(chain)",
                              at: need.location)
                    }
                case nil:
                    state[need.value] = 1
                    path.append((need.value, 0))
                default:
                    break
                }
            }
        }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
