/// Evaluates expression trees with GitHub's coercion rules.
struct ExpressionEvaluator {
    let context: ExpressionContext

    /// A value plus whether it came out of a `.*` filter (then property access maps over it).
    private struct Result {
        var value: ExpressionValue
        var filtered = false
    }

    func evaluate(_ node: ExpressionNode) throws(ExpressionError) -> ExpressionValue {
        try eval(node).value
    }

    private func eval(_ node: ExpressionNode) throws(ExpressionError) -> Result {
        switch node {
        case .literal(let v): return Result(value: v)
        case .context(let name): return Result(value: context[name])
        case .property(let target, let name):
            return access(try eval(target), key: .string(name))
        case .index(let target, let index):
            return access(try eval(target), key: try evaluate(index))
        case .wildcard(let target):
            let t = try eval(target)
            let items: [ExpressionValue]
            switch t.value {
            case .array(let a): items = t.filtered ? a.flatMap(Self.children) : a
            case .object(let members): items = t.filtered ? [] : members.map(\.value)
            default: items = []
            }
            return Result(value: .array(items), filtered: true)
        case .not(let a):
            return Result(value: .bool(!(try evaluate(a)).isTruthy))
        case .binary(.and, let a, let b):
            let left = try evaluate(a)
            return left.isTruthy ? Result(value: try evaluate(b)) : Result(value: left)
        case .binary(.or, let a, let b):
            let left = try evaluate(a)
            return left.isTruthy ? Result(value: left) : Result(value: try evaluate(b))
        case .binary(let op, let a, let b):
            return Result(value: .bool(Self.compare(op, try evaluate(a), try evaluate(b))))
        case .call(let name, let args):
            return Result(value: try ExpressionFunctions.call(name, args.map { (n) throws(ExpressionError) in try evaluate(n) }, context: context))
        }
    }

    private static func children(_ v: ExpressionValue) -> [ExpressionValue] {
        switch v {
        case .array(let a): return a
        case .object(let m): return m.map(\.value)
        default: return []
        }
    }

    private func access(_ target: Result, key: ExpressionValue) -> Result {
        if target.filtered, case .array(let items) = target.value {
            let mapped = items.compactMap { item -> ExpressionValue? in
                let v = Self.lookup(item, key)
                return v == .null ? nil : v
            }
            return Result(value: .array(mapped), filtered: true)
        }
        return Result(value: Self.lookup(target.value, key))
    }

    private static func lookup(_ target: ExpressionValue, _ key: ExpressionValue) -> ExpressionValue {
        switch target {
        case .object:
            return target.member(key.stringValue) ?? .null
        case .array(let items):
            let n = key.numberValue
            guard n.isFinite, n >= 0, n < Double(items.count) else { return .null }
            return items[Int(n)]
        default:
            return .null
        }
    }

    /// GitHub's loose comparison: same-kind values compare directly (strings ignoring case),
    /// different kinds are both converted to numbers; NaN compares false.
    static func compare(_ op: ExpressionNode.BinaryOperator, _ a: ExpressionValue, _ b: ExpressionValue) -> Bool {
        switch op {
        case .equal: return looselyEqual(a, b)
        case .notEqual: return !looselyEqual(a, b)
        default: break
        }
        let order: Int?
        if case .string(let x) = a, case .string(let y) = b {
            let (lx, ly) = (x.uppercased(), y.uppercased())
            order = lx == ly ? 0 : (lx < ly ? -1 : 1)
        } else {
            let (x, y) = (a.numberValue, b.numberValue)
            order = x.isNaN || y.isNaN ? nil : (x == y ? 0 : (x < y ? -1 : 1))
        }
        guard let order else { return false }
        switch op {
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        default: preconditionFailure("not a comparison")
        }
    }

    static func looselyEqual(_ a: ExpressionValue, _ b: ExpressionValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x.uppercased() == y.uppercased()
        // Arrays and objects are equal only to themselves (reference equality on GitHub);
        // Flotilla's values are immutable, so compare structurally.
        case (.array, .array), (.object, .object): return a == b
        case (.array, _), (.object, _), (_, .array), (_, .object): return false
        default:
            let (x, y) = (a.numberValue, b.numberValue)
            return !x.isNaN && !y.isNaN && x == y
        }
    }
}
