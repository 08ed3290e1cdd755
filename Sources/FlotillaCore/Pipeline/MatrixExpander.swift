/// Expands `strategy.matrix` into combinations exactly as GitHub documents it.
///
/// 1. The cartesian product of the axes, in axis order (first axis varies slowest).
/// 2. `exclude` entries remove every combination they match partially (all of the entry's
///    pairs equal the combination's).
/// 3. Each `include` entry is added to every product combination where it overwrites none of
///    the original axis values (values added by earlier includes may be overwritten); if it
///    fits no combination it becomes a new combination. Combinations created by an include are
///    never extended by later includes.
/// See "Running variations of jobs in a workflow" in GitHub's documentation.
public enum MatrixExpander {
    /// One combination: keys in order (axes first, then keys added by `include`).
    public typealias Combination = [(key: String, value: ExpressionValue)]

    /// A problem with the matrix definition, at a position in the file.
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
        public var location: SourcePosition
    }

    /// Hard cap on the product computed before exclusion, to bound memory on absurd matrices.
    static let productCap = 65_536

    /// Expands a matrix; errors if it yields more than `limit` combinations or none.
    public static func expand(_ matrix: PipelineMatrix, limit: Int = 256) throws(Problem) -> [Combination] {
        var product = 1
        for axis in matrix.axes {
            let (p, overflow) = product.multipliedReportingOverflow(by: axis.values.count)
            product = overflow ? Int.max : p
        }
        if matrix.axes.isEmpty { product = 0 }
        if product > productCap {
            throw Problem(message: "the matrix has \(product == Int.max ? "too many" : String(product)) combinations; the limit is \(limit) jobs per matrix",
                          location: matrix.location)
        }
        let axisNames = matrix.axes.map(\.name)
        for entry in matrix.exclude {
            guard case .object(let pairs) = entry.value else { continue }
            for pair in pairs where !axisNames.contains(pair.key) {
                throw Problem(message: "exclude entry uses '\(pair.key)', which is not a matrix axis; axes are: \(axisNames.joined(separator: ", "))",
                              location: entry.location)
            }
        }

        var combos: [Combination] = product == 0 ? [] : [[]]
        for axis in matrix.axes {
            var next: [Combination] = []
            next.reserveCapacity(combos.count * axis.values.count)
            for combo in combos { for v in axis.values { next.append(combo + [(axis.name, v)]) } }
            combos = next
        }
        combos.removeAll { combo in
            matrix.exclude.contains { entry in
                guard case .object(let pairs) = entry.value else { return false }
                return pairs.allSatisfy { pair in combo.contains { $0.key == pair.key && $0.value == pair.value } }
            }
        }
        let originalCount = combos.count
        var extra: [Combination] = []
        for entry in matrix.include {
            guard case .object(let pairs) = entry.value else { continue }
            var added = false
            for i in 0..<originalCount where fits(pairs, combos[i], axes: axisNames) {
                for pair in pairs {
                    if let j = combos[i].firstIndex(where: { $0.key == pair.key }) { combos[i][j].value = pair.value }
                    else { combos[i].append(pair) }
                }
                added = true
            }
            if !added { extra.append(pairs) }
        }
        combos += extra
        if combos.isEmpty {
            throw Problem(message: "the matrix produces no combinations (every combination is excluded)", location: matrix.location)
        }
        if combos.count > limit {
            throw Problem(message: "the matrix produces \(combos.count) combinations; the limit is \(limit) jobs per matrix",
                          location: matrix.location)
        }
        return combos
    }

    /// Whether an include entry overwrites none of the original axis values of a combination.
    private static func fits(_ pairs: Combination, _ combo: Combination, axes: [String]) -> Bool {
        pairs.allSatisfy { pair in
            guard axes.contains(pair.key), let current = combo.first(where: { $0.key == pair.key }) else { return true }
            return current.value == pair.value
        }
    }
}
