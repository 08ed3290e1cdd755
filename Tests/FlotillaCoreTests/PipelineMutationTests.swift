import Testing
import FlotillaCore

/// Mutated fixture texts must load and plan to a `Plan` or a `PipelineLoadError` — never crash.
@Suite("Pipeline mutation")
struct PipelineMutationTests {
    /// SplitMix64: deterministic across platforms and runs, so a failure reproduces.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tokens = ["\t", " ", "\n", ":", "- ", "'", "\"", "${{ ", " }}", "[", "]", "{", "}", "&a ", "*a", "<<: ",
                         "matrix.", "needs: ", "include:\n", "exclude:\n", "---\n", "#", "|\n", "!!str ", "\u{0}", "é", "==", "(", ")"]

    static func mutate(_ text: String, using rng: inout SeededGenerator) -> String {
        var chars = Array(text)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !chars.isEmpty else { break }
            let at = Int.random(in: 0..<chars.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: chars.remove(at: at)
            case 1: chars.insert(contentsOf: Array(tokens.randomElement(using: &rng)!), at: at)
            case 2: chars[at] = Character(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &rng)))
            case 3:
                let end = min(chars.count, at + Int.random(in: 1...40, using: &rng))
                let slice = chars[at..<end]
                chars.insert(contentsOf: slice, at: Int.random(in: 0...chars.count, using: &rng))
            default:
                let end = min(chars.count, at + Int.random(in: 1...20, using: &rng))
                chars.removeSubrange(at..<end)
            }
        }
        return String(chars)
    }

    @Test func mutatedFixturesNeverCrash() throws {
        let sources = PipelineFixtures.names("good").map { PipelineFixtures.text("good", $0) }
            + PipelineFixtures.names("bad").map { PipelineFixtures.text("bad", $0) }
        try #require(sources.count >= 20)
        var rng = SeededGenerator(state: 0xF107_117A)
        var planned = 0, rejected = 0
        for round in 0..<1_500 {
            let text = Self.mutate(sources[round % sources.count], using: &rng)
            do {
                let pipeline = try PipelineLoader.load(text: text, fileName: "m.yml")
                let plan = try Planner.plan(pipeline, options: PlanOptions(skipUses: round % 2 == 0))
                _ = PlanRenderer.json(plan)
                planned += 1
            } catch {
                #expect(!error.errors.isEmpty)
                #expect(error.errors.allSatisfy { $0.line >= 1 && $0.column >= 1 && !$0.message.isEmpty })
                rejected += 1
            }
        }
        #expect(planned + rejected == 1_500)
        #expect(planned > 0 && rejected > 0)
    }
}
