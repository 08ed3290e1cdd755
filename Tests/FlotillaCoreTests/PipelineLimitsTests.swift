import Testing
import FlotillaCore

/// Large or hostile inputs are bounded: no deep recursion, no quadratic blow-ups, clear errors.
@Suite("Pipeline limits")
struct PipelineLimitsTests {
    @Test func longNeedsChainPlans() throws {
        var yaml = "jobs:\n"
        for i in 0..<3_000 {
            yaml += "  j\(i):\n    runs-on: x\n" + (i > 0 ? "    needs: j\(i - 1)\n" : "") + "    steps:\n      - run: echo \(i)\n"
        }
        let p = try #require(plan(yaml))
        #expect(p.jobs.count == 3_000)
        #expect(p.jobs.last?.needs == ["j2998"])
    }

    @Test func longCycleIsNamedOnce() {
        var yaml = "jobs:\n"
        for i in 0..<2_000 {
            yaml += "  j\(i):\n    runs-on: x\n    needs: j\((i + 1) % 2_000)\n    steps:\n      - run: x\n"
        }
        let errors = diagnostics(yaml)
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("dependency cycle between jobs: j0 -> j1 -> j2 -> ") == true)
        #expect(errors.first?.message.hasSuffix(" -> j1999 -> j0") == true)
    }

    @Test func overlongExpressionIsRejected() {
        let chain = Array(repeating: "matrix.a", count: 600).joined(separator: " || ")
        let errors = diagnostics("jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ \(chain) }}\n")
        #expect(errors.first?.message == "run: the expression is too long (more than 1000 tokens)")
        #expect(errors.first.map { "\($0.line):\($0.column)" } == "5:22")
    }

    @Test func manyMatrixErrorsAreReportedOnce() {
        let errors = diagnostics("""
        jobs:
          a:
            runs-on: x
            strategy:
              matrix:
                n: [1, 2, 3, 4, 5, 6, 7, 8]
            steps:
              - uses: actions/cache@v4
        """)
        #expect(errors.count == 1)
    }
}
