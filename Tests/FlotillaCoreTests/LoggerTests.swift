import Testing
@testable import FlotillaCore

@Suite("Structured logger")
struct LoggerTests {
    @Test func recordsCarryLabelLevelAndMergedMetadata() {
        let sink = RecordingLogSink()
        let logger = Logger(label: "agent", level: .info, sink: sink).with(["job.id": "build", "run.id": "r1"])
        logger.debug("hidden")
        logger.info("step finished", ["step.index": "2", "job.id": "test"])
        logger.error("boom")
        let records = sink.records
        #expect(records.map(\.message) == ["step finished", "boom"])
        #expect(records[0].metadata == ["job.id": "test", "run.id": "r1", "step.index": "2"])
        #expect(records[1].level == .error && records[1].label == "agent")
        #expect(records[1].metadata == ["job.id": "build", "run.id": "r1"])
    }

    @Test func lineFormatIsOneSortedQuotedLine() {
        let record = LogRecord(timestampMillis: 1_795_495_800_123, level: .warning, label: "coordinator",
                               message: "lease expired\nagain",
                               metadata: ["job.id": "build", "agent": "box 1", "empty": "", "quote": "say \"hi\"", "eq": "a=b"])
        #expect(StderrLogSink.format(record)
            == #"2026-11-24T04:50:00.123Z warning coordinator: lease expired\nagain agent="box 1" empty="" eq="a=b" job.id=build quote="say \"hi\"""#)
    }

    @Test func timestampsFormatAsUTCWithMilliseconds() {
        #expect(StderrLogSink.formatTimestamp(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(StderrLogSink.formatTimestamp(millis: 951_782_400_007) == "2000-02-29T00:00:00.007Z")
        #expect(StderrLogSink.formatTimestamp(millis: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func levelsOrderAndParse() {
        #expect(LogLevel.debug < .info && LogLevel.warning < .error)
        #expect(LogLevel(name: "NOTICE") == .notice)
        #expect(LogLevel(name: "verbose") == nil)
    }
}
