import Testing
import FlotillaCore

@Suite("Benchmark metric lines and machine classes")
struct MetricParsingTests {
    private static func command(_ line: String) throws(MetricParseError) -> MetricReading? {
        try MetricLineParser.parseCommand(line, lineNumber: 7)
    }

    private static func commandError(_ line: String) -> String? {
        do {
            _ = try command(line)
            return nil
        } catch {
            #expect(error.line == 7)
            return error.message
        }
    }

    @Test func commandLinesInAnyKeyOrder() throws {
        #expect(try Self.command("::metric name=parse unit=ms value=12.5")
                == MetricReading(name: "parse", unit: "ms", value: 12.5, lowerIsBetter: true))
        #expect(try Self.command("::metric value=-3e2   lower_is_better=false\tunit=MB/s name=copy\r")
                == MetricReading(name: "copy", unit: "MB/s", value: -300, lowerIsBetter: false))
        #expect(try Self.command(#"::metric name="json parse \"big\" \\ file" unit="" value=7"#)
                == MetricReading(name: #"json parse "big" \ file"#, unit: "", value: 7))
        #expect(try Self.command("::metric name=count unit= value=0 lower_is_better=true")
                == MetricReading(name: "count", unit: "", value: 0))
        #expect(try Self.command("::metric name=ü.测 unit=µs value=.5")?.name == "ü.测")
    }

    @Test func otherLinesAreNotMetricLines() throws {
        for line in ["", "hello", " ::metric name=a unit=s value=1", "::metric", "::metrics name=a", "::METRIC name=a unit=s value=1",
                     "::metric\tname=a unit=s value=1"] {
            #expect(try Self.command(line) == nil, "\(line)")
        }
    }

    @Test(arguments: [
        ("::metric unit=ms value=1", "a ::metric line needs name=NAME"),
        ("::metric name=a value=1", #"a ::metric line needs unit=UNIT (unit="" for a plain count)"#),
        ("::metric name=a unit=ms", "a ::metric line needs value=NUMBER"),
        ("::metric name=a unit=ms value=nan", "value 'nan' of metric 'a' is not a finite decimal number"),
        ("::metric name=a unit=ms value=inf", "value 'inf' of metric 'a' is not a finite decimal number"),
        ("::metric name=a unit=ms value=1e999", "value '1e999' of metric 'a' is not a finite decimal number"),
        ("::metric name=a unit=ms value=0x10", "value '0x10' of metric 'a' is not a finite decimal number"),
        ("::metric name=a unit=ms value=", "value '' of metric 'a' is not a finite decimal number"),
        ("::metric name=a unit=ms value=1 lower_is_better=yes", "lower_is_better must be true or false, found 'yes'"),
        ("::metric name=a unit=ms value=1 color=red", "unknown key 'color' in a ::metric line; expected name=, unit=, value= and optionally lower_is_better="),
        ("::metric name=a name=b unit=ms value=1", "'name' is given twice in a ::metric line"),
        ("::metric name=a unit=ms value=1 extra", "'extra' in a ::metric line is not key=value"),
        ("::metric =a", "a ::metric line has '=' without a key before it"),
        (#"::metric name="a unit=ms value=1"#, #"the quoted value of 'name' is never closed; expected a closing ""#),
        (#"::metric name="a"b unit=ms value=1"#, "expected a space after the quoted value of 'name'"),
        (#"::metric name=a"b unit=ms value=1"#, #"the value of 'name' has a quote inside it; quote the whole value: name="...""#),
        ("::metric name= unit=ms value=1", "the metric name is empty"),
        ("::metric name=" + String(repeating: "n", count: 201) + " unit=ms value=1",
         "metric name '" + String(repeating: "n", count: 40) + "…' is 201 bytes, longer than 200"),
        ("::metric name=a unit=" + String(repeating: "u", count: 201) + " value=1", "unit of metric 'a' is 201 bytes, longer than 200"),
    ])
    func malformedCommandLines(_ line: String, _ message: String) {
        #expect(Self.commandError(line) == message)
    }

    @Test func jsonLines() throws {
        let text = """
        {"name": "parse", "unit": "ms", "value": 12.5}
           \r
        {"value": 3, "lower_is_better": false, "unit": "", "name": "ops", "host": {"cpu": 1}}\r
        {"name": "n", "unit": "B", "value": -1e3, "lower_is_better": null}

        """
        #expect(try MetricLineParser.parseJSONLines(text) == [
            MetricReading(name: "parse", unit: "ms", value: 12.5),
            MetricReading(name: "ops", unit: "", value: 3, lowerIsBetter: false),
            MetricReading(name: "n", unit: "B", value: -1000),
        ])
        #expect(try MetricLineParser.parseJSONLines("") == [])
    }

    @Test(arguments: [
        (#"{"name": "a", "unit": "ms"}"#, #""value" of metric 'a' must be a number, found nothing"#),
        (#"{"name": "a", "unit": "ms", "value": "1"}"#, #""value" of metric 'a' must be a number, found string"#),
        (#"{"name": "a", "unit": "ms", "value": 1e999}"#, #""value" of metric 'a' is not finite"#),
        (#"{"unit": "ms", "value": 1}"#, #""name" must be a string naming the metric, found nothing"#),
        (#"{"name": 3, "unit": "ms", "value": 1}"#, #""name" must be a string naming the metric, found number"#),
        (#"{"name": "a", "value": 1}"#, #""unit" of metric 'a' must be a string ("" for a plain count), found nothing"#),
        (#"{"name": "a", "unit": "ms", "value": 1, "lower_is_better": "no"}"#, #""lower_is_better" of metric 'a' must be true or false, found string"#),
        (#"{"name": "", "unit": "ms", "value": 1}"#, "the metric name is empty"),
        (#"{"name": "a\u0007", "unit": "ms", "value": 1}"#, "the metric name contains a control character"),
        (#"[1, 2]"#, #"expected a JSON object such as {"name": "parse", "unit": "ms", "value": 12.5}, found a JSON array"#),
    ])
    func malformedJSONLines(_ line: String, _ message: String) {
        do {
            _ = try MetricLineParser.parseJSONLines("\n" + line + "\n")
            Issue.record("parsed \(line)")
        } catch {
            #expect(error.line == 2)
            #expect(error.message == message)
            #expect(error.description == "line 2: \(message)")
        }
    }

    @Test func unparseableJSONSaysWhatWasExpected() {
        do {
            _ = try MetricLineParser.parseJSONLines(#"{"name": "a", "#)
            Issue.record("parsed")
        } catch {
            #expect(error.line == 1)
            #expect(error.message.hasSuffix(#"; expected a JSON object such as {"name": "parse", "unit": "ms", "value": 12.5}"#))
        }
    }

    // MARK: Machine classes

    private static func derive(cpu: String = "AMD EPYC 7763 64-Core Processor", cores: UInt32 = 64,
                               memory: UInt64 = 270_582_939_648, kernel: String = "6.8.0-45-generic") -> String {
        MachineClass.derive(os: "linux", arch: "x86_64", cpuModel: cpu, cores: cores, memoryBytes: memory, kernel: kernel)
    }

    @Test func derivedClassesAreReadableSlugs() throws {
        #expect(Self.derive() == "linux-x86_64-amd-epyc-7763-64-core-64c-252g-k6.8")
        #expect(Self.derive(cpu: "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", cores: 8, memory: 16_000_000_000, kernel: "5.15.0-1051-aws")
                == "linux-x86_64-intel-xeon-platinum-8375c-8c-15g-k5.15")
        #expect(MachineClass.derive(os: "", arch: "", cpuModel: "", cores: 0, memoryBytes: 0, kernel: "")
                == "unknown-unknown-unknown-0c-0g-kunknown")
        try MachineClass.validate(Self.derive())
    }

    @Test func identicalMachinesShareAClassAndPatchUpdatesDoNotSplitIt() {
        // MemTotal differs a little between machines of one model; kernel patch levels differ.
        #expect(Self.derive(memory: 16_384 << 20 - 300 << 20, kernel: "6.8.0-45-generic") == Self.derive(memory: 16 << 30, kernel: "6.8.12"))
        #expect(Self.derive(kernel: "6.8.0-45-generic") != Self.derive(kernel: "6.9.1"))
        #expect(Self.derive(cores: 64) != Self.derive(cores: 32))
        #expect(Self.derive(memory: 16 << 30) != Self.derive(memory: 32 << 30))
        #expect(Self.derive(cpu: "AMD EPYC 7763 64-Core Processor") != Self.derive(cpu: "AMD EPYC 9654 96-Core Processor"))
    }

    @Test func longCPUModelsAreShortenedWithAHashThatKeepsThemApart() throws {
        let a = Self.derive(cpu: "Vendor SuperScalar Quantum Extreme Edition Multi-Die Model 1234567890 Revision A")
        let b = Self.derive(cpu: "Vendor SuperScalar Quantum Extreme Edition Multi-Die Model 1234567890 Revision B")
        #expect(a.count <= MachineClass.maxLength && b.count <= MachineClass.maxLength)
        #expect(a != b)
        #expect(a.hasPrefix("linux-x86_64-vendor-superscalar"))
        #expect(a == Self.derive(cpu: "Vendor SuperScalar Quantum Extreme Edition Multi-Die Model 1234567890 Revision A"))
        try MachineClass.validate(a)
        try MachineClass.validate(b)
    }

    @Test(arguments: [
        ("c5.metal", nil),
        ("Big_Box-2", nil),
        (String(repeating: "a", count: 64), nil),
        ("", "it is empty"),
        (String(repeating: "a", count: 65), "it is 65 characters long, longer than 64"),
        ("big box", "' ' is not allowed"),
        ("a/b", "'/' is not allowed"),
        ("größe", #"'\u{00F6}' is not allowed"#),
    ] as [(String, String?)])
    func operatorGivenNames(_ name: String, _ reason: String?) {
        do {
            try MachineClass.validate(name)
            #expect(reason == nil)
        } catch {
            #expect(error.reason == reason)
            #expect(error.description.hasPrefix("invalid machine class '\(name)': \(reason ?? "")"))
        }
    }
}
