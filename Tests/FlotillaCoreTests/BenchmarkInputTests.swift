import Testing
import FlotillaCore

/// The `bench detect` input format: what is accepted and how bad input is named.
@Suite("Benchmark history input")
struct BenchmarkInputTests {
    @Test func parsesSamplesAndMachinesIgnoringUnknownKeys() throws {
        let history = try BenchHistory.parse("""
            {"name": "parse", "samples": [[1, 2.5], [], [3e2]], "machines": ["a", 7, "a"], "unit": "ms"}
            """)
        #expect(history.samples == [[1, 2.5], [], [300]])
        #expect(history.machines == ["a", "7", "a"])
        let plain = try BenchHistory.parse(#"{"samples": [[1]], "machines": null}"#)
        #expect(plain.machines == nil)
    }

    @Test func writtenTextParsesBackToTheSameHistory() throws {
        let history = BenchHistory(samples: [[0.1, 1e-7, 123.456789], [42], []], machines: ["x\"y", "b", "c"])
        #expect(try BenchHistory.parse(history.jsonText()) == history)
        let noMachines = BenchHistory(samples: [[1, 2]])
        #expect(try BenchHistory.parse(noMachines.jsonText()) == noMachines)
    }

    @Test(arguments: [
        ("[1, 2]", "", "the top level is not an object"),
        ("{\"samples\": [[1]]", "", "not JSON"),
        ("{\"sample\": [[1]]}", "", "no \"samples\" key"),
        ("{\"samples\": {\"0\": [1]}}", "samples", "is not an array of commits"),
        ("{\"samples\": [[1], 2]}", "samples[1]", "is not an array of numbers"),
        ("{\"samples\": [[1, \"2\"]]}", "samples[0][1]", "is not a finite number"),
        ("{\"samples\": [[1e999]]}", "samples[0][0]", "is not a finite number"),
        ("{\"samples\": [[1], [2]], \"machines\": [\"a\"]}", "machines", "has 1 entries for 2 commits"),
        ("{\"samples\": [[1]], \"machines\": \"a\"}", "machines", "is not an array"),
        ("{\"samples\": [[1]], \"machines\": [true]}", "machines[0]", "is not a string or number"),
    ])
    func badInputNamesWhereAndWhatWasExpected(text: String, path: String, message: String) {
        #expect {
            _ = try BenchHistory.parse(text)
        } throws: { error in
            guard let error = error as? BenchInputError else { return false }
            return error.path == path && error.message.contains(message)
                && error.description.contains(BenchHistory.expectedShape)
        }
    }

    @Test func manifestRoundTripsAndRejectsBadEntries() throws {
        let corpus = BenchCorpusGenerator.generate(seed: 3, cleanPerKind: 1, stepsPerSize: 1)
        let parsed = try BenchCorpus.parseManifest(corpus.manifestText())
        #expect(parsed.seed == 3)
        #expect(parsed.truths == corpus.entries.map(\.truth))
        #expect(throws: BenchInputError.self) { try BenchCorpus.parseManifest(#"{"histories": [{"file": "a.json"}]}"#) }
        #expect(throws: BenchInputError.self) { try BenchCorpus.parseManifest(#"{"seed": 1}"#) }
        #expect(throws: BenchInputError.self) {
            try BenchCorpus.parseManifest(#"{"histories": [{"file": "a.json", "kind": "cosmic"}]}"#)
        }
    }
}
