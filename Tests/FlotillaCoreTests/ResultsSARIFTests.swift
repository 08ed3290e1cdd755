import Testing
import FlotillaCore
import TestSupport

/// SARIF 2.1.0 findings with security severities, and broken files.
@Suite("Results: SARIF")
struct ResultsSARIFTests {
    @Test func codeQLWithRulesInExtensions() throws {
        let report = try SARIFParser.parse(ResultFixtures.bytes("sarif-codeql.sarif"))
        #expect(report.findings == [
            Finding(ruleId: "js/sql-injection", level: .error, severity: 8.8,
                    message: "This query string depends on a [user-provided value](1).", location: "src/db/users.js:42:17"),
            Finding(ruleId: "js/hardcoded-credentials", level: .warning, severity: 9.8,
                    message: "The hard-coded value \"hunter2\" is used as password.", location: "src/config.js:7"),
            Finding(ruleId: "js/unused-local-variable", level: .note, severity: nil,
                    message: "Unused variable tmp.", location: "src/util.js:3:7"),
            Finding(ruleId: "js/log-injection", level: .error, severity: 7.8,
                    message: "Log entry depends on a user-provided value.", location: "src/server.js:88:5", suppressed: true),
            Finding(ruleId: "js/sql-injection", level: .warning, severity: 5.5, message: "Second query.", location: ""),
        ])
        // The suppressed log-injection finding does not count.
        #expect((report.critical, report.high, report.medium, report.low, report.unrated) == (1, 1, 1, 0, 1))
        #expect(SARIFLevel.allCases.map { report.count($0) } == [0, 1, 2, 1])
        #expect(report.active.count == 4)
    }

    @Test func severityBandsAndLevelDefaults() throws {
        #expect([0, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10].map { SecuritySeverity(score: $0) }
                == [.low, .low, .medium, .medium, .high, .high, .critical, .critical])
        let report = try SARIFParser.parse(Array("""
            {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": [
              {"id": "R1", "properties": {"security-severity": 9.1}},
              {"id": "R2", "defaultConfiguration": {"level": "note"}}]}},
             "results": [
              {"ruleId": "R1", "message": {"text": "by id"}},
              {"ruleIndex": 1, "message": {"text": "by index"}},
              {"ruleId": "R1/sub", "kind": "pass", "message": {"text": "hierarchical id, kind pass"}},
              {"message": {"text": "no rule"}, "suppressions": [{"kind": "external", "status": "rejected"}]}
             ]},
             {"tool": {"driver": {"name": "empty"}}, "results": null}]}
            """.utf8))
        #expect(report.findings.map(\.level) == [.warning, .note, .none, .warning])
        #expect(report.findings.map(\.severity) == [9.1, nil, 9.1, nil])
        #expect(report.findings.map(\.ruleId) == ["R1", "R2", "R1/sub", ""])
        #expect(report.findings[3].suppressed == false)
        #expect(report.critical == 2)
    }

    /// (input, kind, description)
    static let broken: [(String, ResultParseError.Kind, String)] = [
        ("", .malformed, "sarif: 1:1: invalid JSON: unexpected end of JSON text"),
        ("{\"version\": \"2.1.0\",\n \"runs\": [\n  {\"results\": [}]}", .malformed, "sarif: 3:16: invalid JSON: invalid JSON value"),
        ("[1, 2]", .invalid, "sarif: expected a JSON object with 'version' and 'runs', found a list"),
        ("{\"runs\": []}", .invalid, "sarif: missing 'version'; expected \"2.1.0\""),
        ("{\"version\": \"2.0.0\", \"runs\": []}", .unsupported, "sarif: SARIF version '2.0.0' is not supported; expected 2.1.0"),
        ("{\"version\": \"2.1.0\"}", .invalid, "sarif: missing 'runs'; expected a list of runs"),
        ("{\"version\": \"2.1.0\", \"runs\": {}}", .invalid, "sarif: runs: expected a list, found an object"),
        ("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [{\"level\": \"critical\"}]}]}", .invalid,
         "sarif: runs[0].results[0].level: expected one of none, note, warning, error, found 'critical'"),
        ("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [{\"properties\": {\"security-severity\": \"high\"}}]}]}", .invalid,
         "sarif: runs[0].results[0].properties.security-severity: expected a score from 0 to 10, found string 'high'"),
        ("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [{}, {\"properties\": {\"security-severity\": 11}}]}]}", .invalid,
         "sarif: runs[0].results[1].properties.security-severity: expected a score from 0 to 10, found number 11"),
        ("{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"rules\": []}}, \"results\": [{\"ruleIndex\": 3}]}]}", .invalid,
         "sarif: runs[0].results[0]: rule index 3 is out of range: the tool has 0 rules"),
        ("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [{\"ruleId\": 7}]}]}", .invalid,
         "sarif: runs[0].results[0].ruleId: expected a string, found number 7"),
        ("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [\"oops\"]}]}", .invalid,
         "sarif: runs[0].results[0]: expected an object, found string 'oops'"),
        ("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [{\"locations\": [{\"physicalLocation\": {\"region\": {\"startLine\": 1.5}}}]}]}]}", .invalid,
         "sarif: runs[0].results[0].locations[0].physicalLocation.region.startLine: expected a whole number, found number 1.5"),
        ("{\"version\": \"2.1.0\", \"runs\": []} trailing", .malformed, "sarif: 1:34: invalid JSON: unexpected text after the JSON value"),
    ]

    @Test(arguments: ResultsSARIFTests.broken.indices)
    func brokenFileHasATypedError(_ index: Int) throws {
        let (input, kind, description) = Self.broken[index]
        let error = try #require(resultError(.sarif, input))
        #expect(error.format == .sarif)
        #expect(error.kind == kind)
        #expect(error.description == description)
    }

    @Test func notUTF8() {
        #expect(throws: ResultParseError(.sarif, .malformed, "the file is not UTF-8 text")) {
            try SARIFParser.parse([0x7B, 0xFF, 0x7D])
        }
    }

    /// Random bytes and mutations of a valid file yield a report or a typed error, never a crash.
    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 0x5341_5249_46)
        let seed = ResultFixtures.bytes("sarif-codeql.sarif")
        let alphabet = Array("{}[]:,\"0123456789.-eE truefalsenull\\u".utf8)
        var outcomes = 0
        for round in 0..<2000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = rng.bytes(Int(rng.next() % 300))
            } else {
                input = seed
                for _ in 0..<(1 + rng.next() % 8) {
                    let at = Int(rng.next() % UInt64(input.count))
                    switch rng.next() % 3 {
                    case 0: input.remove(at: at)
                    case 1: input.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    default: input[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    }
                }
            }
            do {
                let report = try SARIFParser.parse(input)
                #expect(report.findings.count <= 5)
            } catch {
                #expect(!error.message.isEmpty)
            }
            outcomes += 1
        }
        #expect(outcomes == 2000)
    }
}
