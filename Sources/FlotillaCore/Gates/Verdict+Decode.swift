/// A verdict JSON text that could not be read back.
public struct VerdictDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, naming the field (`gates[1].status: …`).
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "invalid verdict JSON: \(message)" }
}

extension Verdict {
    /// Reads a verdict from the JSON `VerdictRenderer.json(_:)` writes (the coordinator sends it
    /// to the client as text). Every field of that format is required and type-checked; unknown
    /// members are ignored so newer writers stay readable.
    ///
    /// - Throws: `VerdictDecodeError` naming the first missing or mistyped field.
    public static func decode(json: String) throws(VerdictDecodeError) -> Verdict {
        let root: ExpressionValue
        do {
            root = try JSONReader.parse(json)
        } catch {
            throw VerdictDecodeError(error.message)
        }
        let r = VerdictFields(root, "the verdict")
        let verdict = Verdict(
            run: try r.string("run"), verdict: try r.enumeration("verdict", VerdictStatus.self), emergency: try r.bool("emergency"),
            gates: try r.list("gates") { g throws(VerdictDecodeError) in
                GateResult(name: try g.string("name"), kind: try g.enumeration("kind", GateKind.self),
                           status: try g.enumeration("status", GateStatus.self), blocking: try g.bool("blocking"),
                           critical: try g.bool("critical"), value: try g.string("value"), threshold: try g.string("threshold"),
                           detail: try g.string("detail"))
            },
            jobs: try r.list("jobs") { j throws(VerdictDecodeError) in
                VerdictJob(id: try j.string("id"), status: try j.enumeration("status", JobConclusion.self), agent: try j.string("agent"),
                           attempts: try j.integer("attempts"), durationSeconds: try j.number("duration_s"),
                           exitCode: try j.optionalInteger("exit_code"), retried: try j.optionalStrings("retried"),
                           flaky: try j.optionalBool("flaky") ?? false)
            },
            artifacts: try r.list("artifacts") { a throws(VerdictDecodeError) in
                let size = try a.integer("size")
                guard size >= 0 else { throw VerdictDecodeError("\(a.path).size: expected a byte count of at least 0, found \(size)") }
                return VerdictArtifact(name: try a.string("name"), job: try a.string("job"), size: UInt64(size), sha256: try a.string("sha256"))
            },
            flakyTests: try r.optionalList("flaky_tests") { t throws(VerdictDecodeError) in
                FlakyTest(job: try t.string("job"), test: try t.string("test"), failedAttempts: try t.integers("failed_attempts"),
                          passedAttempt: try t.integer("passed_attempt"))
            })
        return verdict
    }
}

/// Required, typed members of one JSON object, with the object's path for messages.
private struct VerdictFields {
    let value: ExpressionValue
    let path: String

    init(_ value: ExpressionValue, _ path: String) { self.value = value; self.path = path }

    private func member(_ key: String) throws(VerdictDecodeError) -> ExpressionValue {
        guard case .object(let members) = value else {
            throw VerdictDecodeError("\(path): expected an object, found \(SARIFValue.describe(value))")
        }
        guard let v = members.first(where: { $0.key == key })?.value else {
            throw VerdictDecodeError("\(name(key)): missing")
        }
        return v
    }

    private func name(_ key: String) -> String { path == "the verdict" ? key : "\(path).\(key)" }

    private func mistyped(_ key: String, _ expected: String, _ v: ExpressionValue) -> VerdictDecodeError {
        VerdictDecodeError("\(name(key)): expected \(expected), found \(SARIFValue.describe(v))")
    }

    func string(_ key: String) throws(VerdictDecodeError) -> String {
        let v = try member(key)
        guard case .string(let s) = v else { throw mistyped(key, "a string", v) }
        return s
    }

    func bool(_ key: String) throws(VerdictDecodeError) -> Bool {
        let v = try member(key)
        guard case .bool(let b) = v else { throw mistyped(key, "true or false", v) }
        return b
    }

    func number(_ key: String) throws(VerdictDecodeError) -> Double {
        let v = try member(key)
        guard case .number(let n) = v, n.isFinite else { throw mistyped(key, "a number", v) }
        return n
    }

    func integer(_ key: String) throws(VerdictDecodeError) -> Int {
        let v = try member(key)
        guard case .number(let n) = v, n.isFinite, n == n.rounded(), abs(n) <= 9_007_199_254_740_992 else {
            throw mistyped(key, "a whole number", v)
        }
        return Int(n)
    }

    /// Whether the object has `key` at all (members newer verdicts added are optional).
    private func has(_ key: String) -> Bool {
        guard case .object(let members) = value else { return false }
        return members.contains { $0.key == key }
    }

    /// A flag that older verdicts may not have; nil when absent.
    func optionalBool(_ key: String) throws(VerdictDecodeError) -> Bool? {
        has(key) ? try bool(key) : nil
    }

    /// A list that older verdicts may not have; absent reads as empty.
    func optionalList<T>(_ key: String, _ element: (VerdictFields) throws(VerdictDecodeError) -> T) throws(VerdictDecodeError) -> [T] {
        has(key) ? try list(key, element) : []
    }

    /// A list of whole numbers.
    func integers(_ key: String) throws(VerdictDecodeError) -> [Int] {
        let v = try member(key)
        guard case .array(let items) = v else { throw mistyped(key, "a list of whole numbers", v) }
        var numbers: [Int] = []
        for item in items {
            guard case .number(let n) = item, n.isFinite, n == n.rounded(), abs(n) <= 9_007_199_254_740_992 else {
                throw mistyped(key, "a list of whole numbers", item)
            }
            numbers.append(Int(n))
        }
        return numbers
    }

    func optionalInteger(_ key: String) throws(VerdictDecodeError) -> Int? {
        if try member(key) == .null { return nil }
        return try integer(key)
    }

    /// A list of strings that older verdicts may not have; absent reads as empty.
    func optionalStrings(_ key: String) throws(VerdictDecodeError) -> [String] {
        guard case .object(let members) = value, let v = members.first(where: { $0.key == key })?.value else { return [] }
        guard case .array(let items) = v else { throw mistyped(key, "a list of strings", v) }
        var strings: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw mistyped(key, "a list of strings", item) }
            strings.append(s)
        }
        return strings
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(VerdictDecodeError) -> E where E.RawValue == String {
        let raw = try string(key)
        guard let value = E(rawValue: raw) else {
            throw VerdictDecodeError("\(name(key)): expected one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), found '\(raw)'")
        }
        return value
    }

    func list<T>(_ key: String, _ element: (VerdictFields) throws(VerdictDecodeError) -> T) throws(VerdictDecodeError) -> [T] {
        let v = try member(key)
        guard case .array(let items) = v else { throw mistyped(key, "a list", v) }
        var out: [T] = []
        for (i, item) in items.enumerated() {
            out.append(try element(VerdictFields(item, "\(name(key))[\(i)]")))
        }
        return out
    }
}
