import Testing
import FlotillaCore

/// Matrix expansion against the examples in GitHub's documentation page
/// "Running variations of jobs in a workflow" (docs.github.com, actions/using-jobs/using-a-matrix-for-your-jobs).
@Suite("Matrix expansion")
struct MatrixExpansionTests {
    private func jobs(_ strategy: String, extra: String = "") -> [PlannedJob] {
        plan("""
        jobs:
          example_matrix:
            runs-on: linux
        \(extra)    strategy:
        \(strategy)
            steps:
              - run: echo hi
        """)?.jobs ?? []
    }

    /// "Using a single-dimension matrix": version [10, 12, 14] → three jobs.
    @Test func singleDimension() {
        let result = jobs("""
              matrix:
                version: [10, 12, 14]
        """)
        #expect(result.map(combination) == [["version=10"], ["version=12"], ["version=14"]])
        #expect(result.map(\.displayName) == ["example_matrix (10)", "example_matrix (12)", "example_matrix (14)"])
    }

    /// "Using a multi-dimension matrix": os [ubuntu-22.04, ubuntu-20.04] × version [10, 12, 14]
    /// → six jobs, first axis varying slowest, as the docs list them.
    @Test func multiDimension() {
        let result = jobs("""
              matrix:
                os: [ubuntu-22.04, ubuntu-20.04]
                version: [10, 12, 14]
        """)
        #expect(result.map(combination) == [
            ["os=ubuntu-22.04", "version=10"], ["os=ubuntu-22.04", "version=12"], ["os=ubuntu-22.04", "version=14"],
            ["os=ubuntu-20.04", "version=10"], ["os=ubuntu-20.04", "version=12"], ["os=ubuntu-20.04", "version=14"],
        ])
    }

    /// "Expanding or adding matrix configurations" — the fruit/animal example. The docs list:
    /// {fruit: apple, animal: cat, color: pink, shape: circle}, {fruit: apple, animal: dog, color: green, shape: circle},
    /// {fruit: pear, animal: cat, color: pink}, {fruit: pear, animal: dog, color: green},
    /// {fruit: banana}, {fruit: banana, animal: cat}.
    @Test func fruitAndAnimal() {
        let result = jobs("""
              matrix:
                fruit: [apple, pear]
                animal: [cat, dog]
                include:
                  - color: green
                  - color: pink
                    animal: cat
                  - fruit: apple
                    shape: circle
                  - fruit: banana
                  - fruit: banana
                    animal: cat
        """)
        #expect(result.map(combination) == [
            ["fruit=apple", "animal=cat", "color=pink", "shape=circle"],
            ["fruit=apple", "animal=dog", "color=green", "shape=circle"],
            ["fruit=pear", "animal=cat", "color=pink"],
            ["fruit=pear", "animal=dog", "color=green"],
            ["fruit=banana"],
            ["fruit=banana", "animal=cat"],
        ])
        #expect(result.map(\.displayName).first == "example_matrix (apple, cat, pink, circle)")
    }

    /// "Example: Expanding configurations": os [windows-latest, ubuntu-latest] × node [14, 16],
    /// include {os: windows-latest, node: 16, npm: 6} → four jobs, only windows/16 gets npm 6.
    @Test func expandingConfigurations() {
        let result = jobs("""
              matrix:
                os: [windows-latest, ubuntu-latest]
                node: [14, 16]
                include:
                  - os: windows-latest
                    node: 16
                    npm: 6
        """)
        #expect(result.map(combination) == [
            ["os=windows-latest", "node=14"],
            ["os=windows-latest", "node=16", "npm=6"],
            ["os=ubuntu-latest", "node=14"],
            ["os=ubuntu-latest", "node=16"],
        ])
    }

    /// "Example: Adding configurations": os [macos-latest, windows-latest, ubuntu-latest] ×
    /// version [12, 14, 16], include {os: windows-latest, version: 17} → nine jobs plus a tenth.
    @Test func addingConfigurations() {
        let result = jobs("""
              matrix:
                os: [macos-latest, windows-latest, ubuntu-latest]
                version: [12, 14, 16]
                include:
                  - os: windows-latest
                    version: 17
        """)
        #expect(result.count == 10)
        #expect(result.last.map(combination) == ["os=windows-latest", "version=17"])
        #expect(result.prefix(9).allSatisfy { $0.matrix.count == 2 })
    }

    /// "If you don't specify any matrix variables, all configurations under include will run":
    /// the site/datacenter example → two jobs.
    @Test func includeOnly() {
        let result = jobs("""
              matrix:
                include:
                  - site: "production"
                    datacenter: "site-a"
                  - site: "staging"
                    datacenter: "site-b"
        """)
        #expect(result.map(combination) == [["site=production", "datacenter=site-a"], ["site=staging", "datacenter=site-b"]])
    }

    /// "Excluding matrix configurations": 2 × 3 × 2 = 12 minus {macos, 12, production} and both
    /// {windows, 16, *} → nine jobs.
    @Test func excludingConfigurations() {
        let result = jobs("""
              matrix:
                os: [macos-latest, windows-latest]
                version: [12, 14, 16]
                environment: [staging, production]
                exclude:
                  - os: macos-latest
                    version: 12
                    environment: production
                  - os: windows-latest
                    version: 16
        """)
        #expect(result.count == 9)
        let combos = result.map(combination)
        #expect(!combos.contains(["os=macos-latest", "version=12", "environment=production"]))
        #expect(combos.contains(["os=macos-latest", "version=12", "environment=staging"]))
        #expect(!combos.contains { $0.starts(with: ["os=windows-latest", "version=16"]) })
    }

    /// "Handling failures": version [6, 7, 8] × experimental [false] plus
    /// include {version: 9, experimental: true} with `continue-on-error: ${{ matrix.experimental }}`.
    @Test func experimentalIncludeAndContinueOnError() {
        let result = jobs("""
              fail-fast: true
              matrix:
                version: [6, 7, 8]
                experimental: [false]
                include:
                  - version: 9
                    experimental: true
        """, extra: "    continue-on-error: ${{ matrix.experimental }}\n")
        #expect(result.map(combination) == [
            ["version=6", "experimental=false"], ["version=7", "experimental=false"],
            ["version=8", "experimental=false"], ["version=9", "experimental=true"],
        ])
        #expect(result.map(\.continueOnError) == [false, false, false, true])
        #expect(result.allSatisfy { $0.failFast && $0.matrixGroup == "example_matrix" })
    }

    /// Include values may overwrite values added by an earlier include but never original ones.
    @Test func includeOverwritesOnlyAddedValues() {
        let result = jobs("""
              matrix:
                os: [linux]
                include:
                  - tier: one
                  - tier: two
                  - os: linux
                    tier: three
        """)
        #expect(result.map(combination) == [["os=linux", "tier=three"]])
    }

    @Test func objectValuesRenderLikeGitHub() {
        let result = jobs("""
              matrix:
                cfg:
                  - {cc: gcc, std: 17}
                  - {cc: clang, std: 20}
        """)
        #expect(result.map(\.displayName) == ["example_matrix (gcc, 17)", "example_matrix (clang, 20)"])
        #expect(result.map(\.id) == ["example_matrix-gcc-17", "example_matrix-clang-20"])
        #expect(result.first?.matrix.first?.value == #"{"cc":"gcc","std":17}"#)
        #expect(result.first?.matrix.first?.typedValue == .object([(key: "cc", value: .string("gcc")), (key: "std", value: .number(17))]))
    }

    @Test func numbersFollowGitHubFormatting() {
        // YAML reads 3.10 as the number 3.1, exactly the surprise GitHub users know.
        let result = jobs("""
              matrix:
                python: [3.10, "3.10", 6.0]
        """)
        #expect(result.map(\.displayName) == ["example_matrix (3.1)", "example_matrix (3.10)", "example_matrix (6)"])
        #expect(result.map(\.id) == ["example_matrix-3.1", "example_matrix-3.10", "example_matrix-6"])
    }

    @Test func duplicateIDsAreDisambiguated() {
        let result = jobs("""
              matrix:
                v: ["a b", "a/b", "a-b"]
        """)
        #expect(result.map(\.id) == ["example_matrix-a-b", "example_matrix-a-b-2", "example_matrix-a-b-3"])
    }

    @Test func tooManyCombinationsNamesTheCount() {
        let errors = diagnostics("""
        jobs:
          big:
            runs-on: linux
            strategy:
              matrix:
                a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
                b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
            steps:
              - run: x
        """)
        #expect(errors.map(\.description) == ["t.yml:5:7: error: the matrix produces 272 combinations; the limit is 256 jobs per matrix"])
    }

    @Test func excludeBringsAMatrixUnderTheLimit() {
        let result = jobs("""
              matrix:
                a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
                b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
                exclude:
                  - a: 17
        """)
        #expect(result.count == 256)
    }

    @Test func hugeProductIsRejectedWithoutExpanding() {
        let axis = "[" + (1...20).map(String.init).joined(separator: ", ") + "]"
        let errors = diagnostics("""
        jobs:
          big:
            runs-on: linux
            strategy:
              matrix:
                a: \(axis)
                b: \(axis)
                c: \(axis)
                d: \(axis)
            steps:
              - run: x
        """)
        #expect(errors.first?.message == "the matrix has 160000 combinations; the limit is 256 jobs per matrix")
    }

    @Test func excludeOfUnknownKeyIsAnError() {
        let errors = diagnostics("""
        jobs:
          t:
            runs-on: linux
            strategy:
              matrix:
                os: [a, b]
                exclude:
                  - oss: a
            steps:
              - run: x
        """)
        #expect(errors.map(\.description) == ["t.yml:8:13: error: exclude entry uses 'oss', which is not a matrix axis; axes are: os"])
    }

    @Test func everythingExcludedIsAnError() {
        let errors = diagnostics("""
        jobs:
          t:
            runs-on: linux
            strategy:
              matrix:
                os: [a]
                exclude:
                  - os: a
            steps:
              - run: x
        """)
        #expect(errors.first?.message.contains("no combinations") == true)
    }

    @Test func matrixFromJSONLiteral() {
        let result = jobs("""
              matrix: ${{ fromJSON('{"os":["a","b"],"exclude":[{"os":"b"}],"include":[{"os":"c"}]}') }}
        """)
        #expect(result.map(combination) == [["os=a"], ["os=c"]])
    }

    @Test func matrixFromRuntimeValueIsRejected() {
        let errors = diagnostics("""
        jobs:
          t:
            runs-on: linux
            strategy:
              matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}
            steps:
              - run: x
        """)
        #expect(errors.first?.message.contains("'needs', which is only known while the job runs") == true)
        #expect(errors.first.map { "\($0.line):\($0.column)" } == "5:15")
    }

    @Test func needsOnAMatrixJobExpandsToAllCombinations() {
        let result = plan("""
        jobs:
          test:
            runs-on: linux
            strategy:
              matrix:
                os: [a, b]
            steps:
              - run: x
          deploy:
            needs: test
            runs-on: linux
            steps:
              - run: y
        """)?.jobs ?? []
        #expect(result.map(\.id) == ["test-a", "test-b", "deploy"])
        #expect(result.last?.needs == ["test-a", "test-b"])
    }

    @Test func matrixIDsDoNotCollideWithOtherJobKeys() {
        let result = plan("""
        jobs:
          test:
            runs-on: linux
            strategy:
              matrix:
                os: [linux]
            steps:
              - run: x
          test-linux:
            runs-on: linux
            steps:
              - run: y
        """)?.jobs ?? []
        #expect(result.map(\.id) == ["test-linux-2", "test-linux"])
    }
}
