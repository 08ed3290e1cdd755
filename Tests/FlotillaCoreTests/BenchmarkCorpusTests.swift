import Foundation
import Testing
import FlotillaCore

/// The checked-in corpus under `Fixtures/bench-corpus`: reproducible from its generator, and
/// the detector's figures on it (a fixed subset, to keep the suite fast in debug builds; the
/// whole corpus is `flotilla bench evaluate --corpus Tests/FlotillaCoreTests/Fixtures/bench-corpus`).
@Suite("Benchmark corpus")
struct BenchmarkCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bench-corpus").path

    static func text(_ name: String) -> String? {
        FileManager.default.contents(atPath: directory + "/" + name).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func checkedInFilesAreExactlyWhatTheGeneratorWrites() throws {
        let corpus = BenchCorpusGenerator.generate()
        #expect(Self.text(BenchCorpus.manifestFileName) == corpus.manifestText())
        var mismatched: [String] = []
        for entry in corpus.entries where Self.text(entry.truth.file) != entry.history.jsonText() {
            mismatched.append(entry.truth.file)
        }
        #expect(mismatched.isEmpty, "regenerate with: flotilla bench generate --out \(Self.directory) --force")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".json") }
        #expect(files.count == corpus.entries.count + 1)
    }

    @Test func corpusCoversEveryNoiseKindAndStepSize() {
        let truths = BenchCorpusGenerator.generate().entries.map(\.truth)
        for kind in BenchNoiseKind.allCases {
            let ofKind = truths.filter { $0.kind == kind }
            #expect(ofKind.filter(\.steps.isEmpty).count == 24)
            for size in BenchCorpusGenerator.stepSizes {
                #expect(ofKind.filter { $0.steps.first?.size == size }.count == 20)
            }
            #expect(ofKind.contains { !$0.spikes.isEmpty })
        }
        for truth in truths {
            #expect((40...64).contains(truth.commits) && [5, 10, 20, 30].contains(truth.repeats))
            for step in truth.steps { #expect(step.at >= 12 && step.at <= truth.commits - 6) }
            for spike in truth.spikes {
                #expect(truth.steps.allSatisfy { spike.at < $0.at - 4 || spike.at > $0.at + 8 })
            }
        }
    }

    /// Every fourth history of the checked-in corpus (156 of 624), scored like `bench evaluate`.
    @Test func detectorMeetsTheTargetsOnAFixedSubsetAndBeatsTheNaiveRule() throws {
        let (_, truths) = try BenchCorpus.parseManifest(try #require(Self.text(BenchCorpus.manifestFileName)))
        var entries: [(truth: BenchHistoryTruth, history: BenchHistory)] = []
        for (i, truth) in truths.enumerated() where i % 4 == 0 {
            entries.append((truth, try BenchHistory.parse(try #require(Self.text(truth.file)))))
        }
        let result = BenchEvaluation.evaluate(entries, detector: RegressionDetector())
        let detector = result.detector, naive = result.naive
        // The targets. This quarter has 30 steps per size; it finds 28, 30 and 30 of the
        // +10%, +20% and +50% steps (the whole corpus: 91.7%, 100%, 100%).
        #expect(try #require(detector.recall(at: 0.10)).rate >= 0.90)
        #expect(try #require(detector.recall(at: 0.20)).rate >= 0.99)
        #expect(try #require(detector.recall(at: 0.50)).rate >= 0.99)
        #expect(detector.falsePositivesPer100 <= 1)
        #expect(detector.spikeRate <= 0.05)
        #expect(naive.falsePositivesPer100 > 2 && naive.spikeRate > 0.5)
        #expect(try #require(naive.recall(at: 0.10)).rate < 0.3)
    }

    @Test func scoringCountsStepsWithinTwoCommitsAndEverythingElseAsFalseAlarms() {
        let truth = BenchHistoryTruth(file: "x.json", kind: .gaussian, commits: 30, repeats: 5, noise: 0.01, runJitter: 0,
                                      steps: [BenchEvent(at: 10, size: 0.2)], spikes: [BenchEvent(at: 20, size: 0.3)],
                                      detail: "")
        let found = BenchEvaluation.score(truths: [truth], flags: [[12, 21]])
        #expect(found.recall(at: 0.2) == BenchScore.Recall(size: 0.2, steps: 1, detected: 1))
        #expect(found.falsePositives == 0 && found.spikesFlagged == 1 && found.spikes == 1)
        // Commits 1...29 minus the step window 10...12 and the spike window 20...22.
        #expect(found.cleanCommits == 23)
        let late = BenchEvaluation.score(truths: [truth], flags: [[9, 13, 25]])
        #expect(late.recall(at: 0.2)?.detected == 0)
        #expect(late.falsePositives == 3 && late.spikesFlagged == 0)
        #expect(abs(late.falsePositivesPer100 - 300.0 / 23) < 1e-12)
    }
}
