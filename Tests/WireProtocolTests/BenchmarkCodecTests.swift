import Testing
import TestSupport
import WireProtocol

@Suite("Benchmark messages and fields")
struct BenchmarkCodecTests {
    private static let job = JobRef(runID: "r", jobID: "j", attempt: 1)
    private static let plain = JobAssignment(job: job, name: "n", bundleSHA256: "", bundleSize: 0, env: [], steps: [],
                                             timeoutMillis: 7)

    private static func samples(_ metrics: [MetricSample], iteration: UInt32 = 2) -> [UInt8] {
        MessageCodec.encodeBody(.metricSamples(MetricSamples(job: job, iteration: iteration, metrics: metrics)))
    }

    @Test("MetricSamples frame bytes match PROTOCOL.md")
    func metricSamplesGolden() throws {
        let message = Message.metricSamples(MetricSamples(job: Self.job, iteration: 2, metrics: [
            MetricSample(name: "t", unit: "ms", value: 1.5, lowerIsBetter: true),
        ]))
        let expected: [UInt8] = [
            0, 0, 0, 0x2B, 0x27,
            0, 0, 0, 1, 0x72, 0, 0, 0, 1, 0x6A, 0, 0, 0, 1, // job
            0, 0, 0, 2, // iteration
            0, 0, 0, 1, // one metric
            0, 0, 0, 1, 0x74, // name "t"
            0, 0, 0, 2, 0x6D, 0x73, // unit "ms"
            0x3F, 0xF8, 0, 0, 0, 0, 0, 0, // 1.5 as binary64
            0x01, // lowerIsBetter
        ]
        #expect(FrameEncoder.encode(message) == expected)
        #expect(try MessageCodec.decode(type: 0x27, body: expected[5...]) == message)
    }

    @Test("only agents send MetricSamples, to the coordinator")
    func direction() {
        #expect(MessageType.metricSamples.isAllowed(from: .agent, to: .coordinator))
        #expect(!MessageType.metricSamples.isAllowed(from: .client, to: .coordinator))
        #expect(!MessageType.metricSamples.isAllowed(from: .coordinator, to: .agent))
        #expect(!MessageType.metricSamples.isAllowed(from: .coordinator, to: .client))
    }

    @Test("NaN and infinities are malformed values", arguments: [Double.nan, .infinity, -.infinity, Double.signalingNaN])
    func nonFiniteValues(_ value: Double) {
        let body = Self.samples([MetricSample(name: "t", unit: "", value: value, lowerIsBetter: true)])
        #expect(decodeError(.metricSamples, body)?.malformedField == "metrics[].value")
    }

    @Test("extreme finite values survive bit for bit")
    func finiteExtremes() throws {
        for value in [0.0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e-300] {
            let body = Self.samples([MetricSample(name: "t", unit: "", value: value, lowerIsBetter: false)])
            guard case .metricSamples(let decoded) = try MessageCodec.decode(type: 0x27, body: body) else {
                Issue.record("not MetricSamples")
                continue
            }
            #expect(decoded.metrics[0].value.bitPattern == value.bitPattern)
        }
    }

    @Test("name, unit and count are bounded; empty name, empty list and iteration 0 are malformed")
    func bounds() {
        let name200 = String(repeating: "n", count: MetricSample.maxNameBytes)
        #expect(decodeError(.metricSamples, Self.samples([MetricSample(name: name200, unit: name200, value: 1, lowerIsBetter: true)])) == nil)
        #expect(decodeError(.metricSamples, Self.samples([MetricSample(name: name200 + "n", unit: "", value: 1, lowerIsBetter: true)]))?
            .limitField == "metrics[].name")
        #expect(decodeError(.metricSamples, Self.samples([MetricSample(name: "n", unit: name200 + "é", value: 1, lowerIsBetter: true)]))?
            .limitField == "metrics[].unit")
        #expect(decodeError(.metricSamples, Self.samples([MetricSample(name: "", unit: "", value: 1, lowerIsBetter: true)]))?
            .malformedField == "metrics[].name")
        #expect(decodeError(.metricSamples, Self.samples([]))?.malformedField == "metrics")
        let one = MetricSample(name: "n", unit: "", value: 1, lowerIsBetter: true)
        #expect(decodeError(.metricSamples, Self.samples([one], iteration: 0))?.malformedField == "iteration")
        let atLimit = Array(repeating: one, count: MetricSamples.maxMetrics)
        #expect(decodeError(.metricSamples, Self.samples(atLimit)) == nil)
        #expect(decodeError(.metricSamples, Self.samples(atLimit + [one]))?.limitField == "metrics count")
    }

    @Test("AssignJob.benchmark is an optional appended after shardTests, as PROTOCOL.md says")
    func assignmentGolden() throws {
        var bench = Self.plain
        bench.benchmark = BenchmarkSettings(repeatCount: 5, warmup: 1)
        let plainBody = MessageCodec.encodeBody(.assignJob(Self.plain))
        let body = MessageCodec.encodeBody(.assignJob(bench))
        #expect(plainBody.last == 0x00) // absent
        #expect(Array(body.prefix(plainBody.count - 1)) == Array(plainBody.dropLast()))
        #expect(Array(body.suffix(9)) == [0x01, 0, 0, 0, 5, 0, 0, 0, 1])
        #expect(try MessageCodec.decode(type: MessageType.assignJob.rawValue, body: body) == .assignJob(bench))
        // The optional is required: an assignment that ends after shardTests is truncated.
        #expect(decodeError(.assignJob, Array(plainBody.dropLast()))?.malformedField == "benchmark")
    }

    @Test("AssignJob.benchmark repeat is 1...1000 and warmup 0...100")
    func assignmentBounds() {
        func error(_ repeatCount: UInt32, _ warmup: UInt32) -> ProtocolError? {
            var bench = Self.plain
            bench.benchmark = BenchmarkSettings(repeatCount: repeatCount, warmup: warmup)
            return decodeError(.assignJob, MessageCodec.encodeBody(.assignJob(bench)))
        }
        #expect(error(1, 0) == nil)
        #expect(error(1_000, 100) == nil)
        #expect(error(0, 0)?.malformedField == "benchmark.repeatCount")
        #expect(error(1_001, 0)?.limitField == "benchmark.repeatCount")
        #expect(error(1, 101)?.limitField == "benchmark.warmup")
    }

    @Test("Hello.machineClass is a string appended after runningJobs, at most 64 bytes")
    func helloMachineClass() throws {
        let hello = Hello(minVersion: 1, maxVersion: 1, role: .agent, name: "a", capacity: 1, machineClass: "big.box")
        let body = MessageCodec.encodeBody(.hello(hello))
        #expect(Array(body.suffix(11)) == [0, 0, 0, 7] + Array("big.box".utf8))
        #expect(try MessageCodec.decode(type: MessageType.hello.rawValue, body: body) == .hello(hello))
        var long = hello
        long.machineClass = String(repeating: "m", count: Hello.maxMachineClassBytes + 1)
        #expect(decodeError(.hello, MessageCodec.encodeBody(.hello(long)))?.limitField == "machineClass")
    }

    @Test("machine class names an agent may declare")
    func machineClassRule() {
        #expect(Hello.machineClassProblem("") == nil)
        #expect(Hello.machineClassProblem("epyc-7763.large_v2") == nil)
        #expect(Hello.machineClassProblem(String(repeating: "a", count: 64)) == nil)
        #expect(Hello.machineClassProblem(String(repeating: "a", count: 65)) != nil)
        #expect(Hello.machineClassProblem("big box") != nil)
        #expect(Hello.machineClassProblem("große") != nil)
        #expect(Hello.machineClassProblem("a/b") != nil)
    }
}
