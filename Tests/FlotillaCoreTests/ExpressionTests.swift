import Testing
import FlotillaCore

@Suite("Expressions")
struct ExpressionTests {
    static let context = ExpressionContext(contexts: [
        "matrix": .object([(key: "os", value: .string("Linux")), (key: "node", value: .number(20)),
                           (key: "experimental", value: .bool(false))]),
        "env": .object([(key: "MODE", value: .string("release")), (key: "EMPTY", value: .string(""))]),
        "steps": .object([
            (key: "build", value: .object([(key: "outcome", value: .string("failure")), (key: "conclusion", value: .string("success")),
                                           (key: "outputs", value: .object([(key: "version", value: .string("1.2.3"))]))])),
            (key: "test", value: .object([(key: "outcome", value: .string("success"))])),
        ]),
        "runner": .object([(key: "os", value: .string("Linux")), (key: "arch", value: .string("X64"))]),
        "github": .object([(key: "ref", value: .string("refs/heads/main")), (key: "sha", value: .string("abc"))]),
    ])

    private func eval(_ source: String, _ context: ExpressionContext = ExpressionTests.context) throws -> ExpressionValue {
        try Expression.evaluate(source, context: context)
    }

    @Test func literals() throws {
        #expect(try eval("null") == .null)
        #expect(try eval("true") == .bool(true))
        #expect(try eval("FALSE") == .bool(false))
        #expect(try eval("42") == .number(42))
        #expect(try eval("-1.5") == .number(-1.5))
        #expect(try eval("0xff") == .number(255))
        #expect(try eval("1e3") == .number(1000))
        #expect(try eval("2.5E-1") == .number(0.25))
        #expect(try eval("'it''s'") == .string("it's"))
        #expect(try eval("''") == .string(""))
    }

    @Test func propertyAccess() throws {
        #expect(try eval("matrix.os") == .string("Linux"))
        #expect(try eval("matrix['node']") == .number(20))
        #expect(try eval("steps.build.outputs.version") == .string("1.2.3"))
        #expect(try eval("MATRIX.OS") == .string("Linux"))
        #expect(try eval("matrix.missing") == .null)
        #expect(try eval("matrix.os.deeper") == .null)
        #expect(try eval("steps.*.outcome") == .array([.string("failure"), .string("success")]))
        #expect(try eval("fromJSON('[10,20]')[1]") == .number(20))
    }

    @Test func looseEquality() throws {
        #expect(try eval("'LINUX' == matrix.os") == .bool(true))       // strings ignore case
        #expect(try eval("matrix.node == '20'") == .bool(true))         // string → number
        #expect(try eval("null == 0") == .bool(true))                   // null → 0
        #expect(try eval("true == 1") == .bool(true))                   // bool → 1
        #expect(try eval("false == ''") == .bool(true))                 // '' → 0
        #expect(try eval("'abc' == 0") == .bool(false))                 // NaN never equal
        #expect(try eval("null == ''") == .bool(true))
        #expect(try eval("matrix.os != 'macos'") == .bool(true))
        #expect(try eval("fromJSON('[]') == 0") == .bool(false))
        #expect(try eval("0x10 == 16") == .bool(true))
    }

    @Test func ordering() throws {
        #expect(try eval("1 < 2") == .bool(true))
        #expect(try eval("'a' < 'B'") == .bool(true))                   // case-insensitive
        #expect(try eval("'10' > 9") == .bool(true))
        #expect(try eval("'x' < 1") == .bool(false))                    // NaN compares false
        #expect(try eval("'x' >= 1") == .bool(false))
        #expect(try eval("2 >= 2 && 2 <= 2") == .bool(true))
        #expect(try eval("null < 1") == .bool(true))
    }

    @Test func logicalOperatorsReturnOperands() throws {
        #expect(try eval("env.MODE && matrix.node") == .number(20))
        #expect(try eval("env.EMPTY && matrix.node") == .string(""))
        #expect(try eval("env.EMPTY || 'fallback'") == .string("fallback"))
        #expect(try eval("matrix.os || 'x'") == .string("Linux"))
        #expect(try eval("!matrix.experimental") == .bool(true))
        #expect(try eval("!(1 == 1) || (2 == 2)") == .bool(true))
        #expect(try eval("!0") == .bool(true))
        #expect(try eval("!'x'") == .bool(false))
    }

    @Test func precedence() throws {
        // && binds tighter than ||; comparisons tighter than &&.
        #expect(try eval("true || false && false") == .bool(true))
        #expect(try eval("1 == 1 && 2 == 3") == .bool(false))
        #expect(try eval("!false == true") == .bool(true))
    }

    @Test func functions() throws {
        #expect(try eval("contains('Hello World', 'WORLD')") == .bool(true))
        #expect(try eval("contains(fromJSON('[\"push\", \"pull_request\"]'), 'PUSH')") == .bool(true))
        #expect(try eval("contains(fromJSON('[1, 2]'), '2')") == .bool(true))
        #expect(try eval("startsWith(github.ref, 'refs/heads/')") == .bool(true))
        #expect(try eval("endsWith('file.TXT', '.txt')") == .bool(true))
        #expect(try eval("format('{0} on {1} {{literal}}', matrix.node, matrix.os)") == .string("20 on Linux {literal}"))
        #expect(try eval("join(fromJSON('[\"a\", 1, true]'), ' | ')") == .string("a | 1 | true"))
        #expect(try eval("join(fromJSON('[\"a\", \"b\"]'))") == .string("a,b"))
        #expect(try eval("join('solo', '-')") == .string("solo"))
        #expect(try eval("toJSON(matrix)") == .string("{\n  \"os\": \"Linux\",\n  \"node\": 20,\n  \"experimental\": false\n}"))
        #expect(try eval("toJSON('a\"b')") == .string("\"a\\\"b\""))
        #expect(try eval("fromJSON('{\"a\": {\"b\": [1, null]}}').a.b[0]") == .number(1))
        #expect(try eval("fromJSON('true')") == .bool(true))
        #expect(try eval("fromJSON('\"\\u00e9\"')") == .string("é"))
    }

    @Test func functionErrors() {
        #expect(throws: ExpressionError.self) { try eval("format('{1}', 'a')") }
        #expect(throws: ExpressionError.self) { try eval("format('{', 'a')") }
        #expect(throws: ExpressionError.self) { try eval("fromJSON('{bad')") }
    }

    @Test func statusFunctions() throws {
        var ctx = Self.context
        #expect(try eval("success()", ctx) == .bool(true))
        #expect(try eval("failure()", ctx) == .bool(false))
        #expect(try eval("always()", ctx) == .bool(true))
        ctx.jobStatus = .failure
        #expect(try eval("failure()", ctx) == .bool(true))
        #expect(try eval("success()", ctx) == .bool(false))
        ctx.jobStatus = .cancelled
        #expect(try eval("cancelled()", ctx) == .bool(true))
        #expect(try eval("failure()", ctx) == .bool(false))
    }

    @Test func conditionsGetAnImplicitSuccess() throws {
        var ctx = Self.context
        #expect(try Expression.evaluateCondition("", context: ctx))
        #expect(try Expression.evaluateCondition("steps.build.outcome == 'failure'", context: ctx))
        #expect(try Expression.evaluateCondition("${{ matrix.os == 'linux' }}", context: ctx))
        #expect(try !Expression.evaluateCondition("matrix.experimental", context: ctx))
        ctx.jobStatus = .failure
        // Without a status function the implicit success() makes it false after a failure…
        #expect(try !Expression.evaluateCondition("steps.build.outcome == 'failure'", context: ctx))
        #expect(try !Expression.evaluateCondition("", context: ctx))
        // …with one, the expression decides.
        #expect(try Expression.evaluateCondition("failure() && steps.build.outcome == 'failure'", context: ctx))
        #expect(try Expression.evaluateCondition("always()", context: ctx))
        #expect(try !Expression.evaluateCondition("success()", context: ctx))
        ctx.jobStatus = .cancelled
        #expect(try !Expression.evaluateCondition("failure()", context: ctx))
        #expect(try Expression.evaluateCondition("cancelled()", context: ctx))
    }

    @Test func recordedStepsAreReadable() throws {
        var ctx = ExpressionContext()
        ctx.recordStep(id: "build", outcome: "failure", conclusion: "success")
        ctx.recordStep(id: "", outcome: "failure", conclusion: "failure")
        ctx.recordStep(id: "build", outcome: "success", conclusion: "success")
        ctx.recordStep(id: "lint", outcome: "skipped", conclusion: "skipped")
        #expect(try eval("steps.build.outcome", ctx) == .string("success"))
        #expect(try eval("steps.lint.conclusion", ctx) == .string("skipped"))
        #expect(try eval("join(steps.*.outcome, ',')", ctx) == .string("success,skipped"))
    }

    @Test func interpolation() throws {
        #expect(try Expression.interpolate("node ${{ matrix.node }} on ${{ runner.os }}/${{ runner.arch }}", context: Self.context)
                == "node 20 on Linux/X64")
        #expect(try Expression.interpolate("no expressions", context: Self.context) == "no expressions")
        #expect(try Expression.interpolate("${{ matrix.missing }}|${{ true }}|${{ 3.10 }}|${{ '}}' }}", context: Self.context) == "|true|3.1|}}")
        #expect(try Expression.interpolate("${{ matrix }}", context: Self.context) == "Object")
    }

    @Test func resolveKeepsRuntimeContexts() throws {
        let out = try Expression.resolve("${{ matrix.os }} ${{ steps.build.outcome }} ${{ steps[matrix.os].outcome }}",
                                         context: Self.context, known: ["matrix"])
        #expect(out == "Linux ${{ steps.build.outcome }} ${{ steps['Linux'].outcome }}")
    }

    @Test func specializeFoldsKnownParts() throws {
        #expect(try Expression.specialize("matrix.os == 'linux' && steps.test.outcome == 'success'", context: Self.context, known: ["matrix"])
                == "(true && (steps.test.outcome == 'success'))")
        #expect(try Expression.specialize("failure()", context: Self.context, known: ["matrix"]) == "failure()")
    }

    @Test func syntaxErrorsCarryOffsets() {
        func failure(_ s: String) -> ExpressionError? {
            do { _ = try Expression.parse(s); return nil } catch { return error }
        }
        #expect(failure("matrix.os ==") == ExpressionError(offset: 12, message: "expected a value after '==', found end of expression"))
        #expect(failure("foo.bar") == ExpressionError(offset: 0, message: "unrecognized named value 'foo'; known contexts: env, github, inputs, job, matrix, needs, runner, secrets, steps, strategy, vars"))
        #expect(failure("a = b")?.offset == 2)
        #expect(failure("'open")?.message == "unclosed string literal: expected a closing '")
        #expect(failure("contains('a')")?.message == "function 'contains' takes 2 arguments, found 1")
        #expect(failure("hashFiles('x')")?.message == "unknown function 'hashFiles'; hashFiles is not supported by Flotilla")
        #expect(failure("matrix.os matrix.os")?.offset == 10)
        #expect(failure("(1 == 1")?.message == "expected ')', found end of expression")
        #expect(failure("1 & 2")?.message == "unexpected '&'; use '&&'")
        #expect(failure("")?.message == "expected an expression, found nothing")
        #expect(failure(String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60))?.message.contains("deeper than 50") == true)
    }

    @Test func parsedExpressionReportsContexts() throws {
        let p = try Expression.parse("success() && matrix.os == env.OS")
        #expect(p.contexts == ["matrix", "env"])
        #expect(p.callsStatusFunction)
        #expect(p.description == "(success() && (matrix.os == env.OS))")
    }

    @Test func numberFormatting() {
        #expect(ExpressionValue.formatNumber(6) == "6")
        #expect(ExpressionValue.formatNumber(3.1) == "3.1")
        #expect(ExpressionValue.formatNumber(-0.5) == "-0.5")
        #expect(ExpressionValue.formatNumber(1e20) == "1E+20")
        #expect(ExpressionValue.parseNumber(" 12 ") == 12)
        #expect(ExpressionValue.parseNumber("").isZero)
        #expect(ExpressionValue.parseNumber("0o17") == 15)
        #expect(ExpressionValue.parseNumber("12abc").isNaN)
    }
}
