import Testing
import FlotillaCore

/// `kind: performance` entries of the top-level `gates:` list.
@Suite("Pipeline performance gates")
struct PerformanceGateParsingTests {
    static func yaml(_ gates: String) -> String {
        "jobs:\n  bench:\n    runs-on: linux\n    steps:\n      - run: make bench\n" + gates + "\n"
    }

    @Test func thresholdsArePercentagesWithOrWithoutTheSign() throws {
        let p = try #require(plan(Self.yaml("""
            gates:
              - {name: speed, kind: performance, max-regression: 20%, min-effect: 5%}
              - {name: plain, kind: performance, max-regression: 12.5, min-effect: 2, blocking: false, critical: false}
              - {name: quoted, kind: performance, max-regression: '30 %', min-effect: ".5%"}
              - {name: defaults, kind: performance}
              - {name: equal, kind: performance, max-regression: 1000%, min-effect: 1000}
            """)))
        #expect(p.gates == [
            GateSpec(name: "speed", rule: .performance(maxRegressionPercent: 20, minEffectPercent: 5)),
            GateSpec(name: "plain", rule: .performance(maxRegressionPercent: 12.5, minEffectPercent: 2), blocking: false, critical: false),
            GateSpec(name: "quoted", rule: .performance(maxRegressionPercent: 30, minEffectPercent: 0.5)),
            GateSpec(name: "defaults", rule: .performance(maxRegressionPercent: 20, minEffectPercent: 5)),
            GateSpec(name: "equal", rule: .performance(maxRegressionPercent: 1000, minEffectPercent: 1000)),
        ])
        #expect(p.gates.allSatisfy { $0.kind == .performance })
        #expect(p.gates[1].threshold == "max-regression 12.5%, min-effect 2%")
    }

    /// (gates YAML, line, column, message); the gates start on line 6.
    static let badGates: [(String, Int, Int, String)] = [
        ("gates:\n  - {name: p, kind: performance, max-regression: 0%}", 7, 50,
         "invalid 'gates[0].max-regression': expected a percentage above 0% and at most 1000%, such as '20%', found string '0%'"),
        ("gates:\n  - {name: p, kind: performance, max-regression: 1001}", 7, 50,
         "invalid 'gates[0].max-regression': expected a percentage above 0% and at most 1000%, such as '20%', found number 1001"),
        ("gates:\n  - {name: p, kind: performance, min-effect: -5%}", 7, 46,
         "invalid 'gates[0].min-effect': expected a percentage above 0% and at most 1000%, such as '20%', found string '-5%'"),
        ("gates:\n  - {name: p, kind: performance, min-effect: 0}", 7, 46,
         "invalid 'gates[0].min-effect': expected a percentage above 0% and at most 1000%, such as '20%', found number 0"),
        ("gates:\n  - {name: p, kind: performance, min-effect: twenty}", 7, 46,
         "invalid 'gates[0].min-effect': expected a percentage above 0% and at most 1000%, such as '20%', found string 'twenty'"),
        ("gates:\n  - {name: p, kind: performance, min-effect: '5'}", 7, 46,
         "invalid 'gates[0].min-effect': expected a percentage above 0% and at most 1000%, such as '20%', found string '5'"),
        ("gates:\n  - {name: p, kind: performance, min-effect: 1e2%}", 7, 46,
         "invalid 'gates[0].min-effect': expected a percentage above 0% and at most 1000%, such as '20%', found string '1e2%'"),
        ("gates:\n  - {name: p, kind: performance, max-regression: [20]}", 7, 50,
         "invalid 'gates[0].max-regression': expected a percentage above 0% and at most 1000%, such as '20%', found a list"),
        ("gates:\n  - {name: p, kind: performance, max-regression: 10%, min-effect: 15%}", 7, 67,
         "gate 'p' (kind performance): min-effect 15% is larger than max-regression 10%; changes between the two warn, so min-effect must not exceed max-regression"),
        // Left out, max-regression is 20%: a larger min-effect is still wrong.
        ("gates:\n  - {name: p, kind: performance, min-effect: 25}", 7, 46,
         "gate 'p' (kind performance): min-effect 25% is larger than max-regression 20%; changes between the two warn, so min-effect must not exceed max-regression"),
        ("gates:\n  - {name: p, kind: performance, max-regression: 3%}", 7, 50,
         "gate 'p' (kind performance): min-effect 5% is larger than max-regression 3%; changes between the two warn, so min-effect must not exceed max-regression"),
        ("gates:\n  - {name: p, kind: performance, max-failures: 1}", 7, 34,
         "unknown key 'max-failures' in gate 'p' (kind performance); allowed keys: name, kind, blocking, critical, max-regression, min-effect"),
        ("gates:\n  - {name: t, kind: tests, min-effect: 5%}", 7, 28,
         "unknown key 'min-effect' in gate 't' (kind tests); allowed keys: name, kind, blocking, critical, max-failures"),
    ]

    @Test(arguments: PerformanceGateParsingTests.badGates.indices)
    func badPerformanceGate(_ index: Int) throws {
        let (gates, line, column, message) = Self.badGates[index]
        let first = try #require(diagnostics(Self.yaml(gates)).first)
        #expect(first.description == "t.yml:\(line):\(column): error: \(message)")
    }
}
