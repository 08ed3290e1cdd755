import Testing
import WireProtocol
@testable import FlotillaAgent

@Suite("Log streamer")
struct LogStreamerTests {
    /// A flush interval long enough that only explicit flushes and full chunks emit.
    private let manual = LogStreamer.Configuration(flushInterval: .seconds(600))

    @Test func largeOutputIsSplitIntoBoundedContiguousChunks() {
        let chunks = Recorder<LogChunk>()
        let streamer = LogStreamer(job: testJob, configuration: manual) { chunks.append($0) }
        var expected: [UInt8] = []
        for index in 0..<3_000 {
            let line = Array("line \(index) \(String(repeating: "x", count: 1000))\n".utf8)
            expected += line
            streamer.write(line, stream: .stdout, stepIndex: 0)
        }
        streamer.flush()
        let all = chunks.all
        #expect(expected.count > 3_000_000)
        #expect(all.allSatisfy { $0.data.count <= LogChunk.maxDataBytes && $0.stream == .stdout && $0.job == testJob })
        #expect(all.dropLast().allSatisfy { $0.data.count == LogChunk.maxDataBytes }, "small writes are coalesced")
        #expect(all.map(\.sequence) == Array(0..<UInt64(all.count)))
        #expect(all.flatMap(\.data) == expected)
    }

    @Test func streamOrStepChangesStartANewChunkAndKeepOrder() {
        let chunks = Recorder<LogChunk>()
        let streamer = LogStreamer(job: testJob, configuration: manual) { chunks.append($0) }
        streamer.write(Array("a".utf8), stream: .stdout, stepIndex: 0)
        streamer.write(Array("b".utf8), stream: .stdout, stepIndex: 0)
        streamer.write(Array("c".utf8), stream: .stderr, stepIndex: 0)
        streamer.writeSystemLine("step 2/2: test", stepIndex: 1)
        streamer.write(Array("d".utf8), stream: .stdout, stepIndex: 1)
        streamer.flush()
        let summary = chunks.all.map { "\($0.sequence):\($0.stepIndex):\($0.stream):\(String(decoding: $0.data, as: UTF8.self))" }
        #expect(summary == ["0:0:stdout:ab", "1:0:stderr:c", "2:1:system:step 2/2: test\n", "3:1:stdout:d"])
    }

    @Test func pendingBytesAreSentByTheTimerWithoutAFlush() async {
        let chunks = Recorder<LogChunk>()
        let streamer = LogStreamer(job: testJob, configuration: LogStreamer.Configuration(flushInterval: .milliseconds(50))) {
            chunks.append($0)
        }
        streamer.write(Array("tick".utf8), stream: .stdout, stepIndex: 0)
        #expect(await eventually { chunks.all.count == 1 })
        #expect(chunks.all.first?.data == Array("tick".utf8))
    }

    @Test func perJobCapEmitsOneNoticeAndCountsDroppedBytes() {
        let chunks = Recorder<LogChunk>()
        let streamer = LogStreamer(job: testJob, configuration: LogStreamer.Configuration(maxJobBytes: 1000, flushInterval: .seconds(600))) {
            chunks.append($0)
        }
        for _ in 0..<3 { streamer.write([UInt8](repeating: 0x61, count: 1000), stream: .stdout, stepIndex: 0) }
        streamer.writeSystemLine("step 1/1 failed", stepIndex: 0)
        streamer.flush()
        let all = chunks.all
        #expect(all.filter { $0.stream == .stdout }.flatMap(\.data).count == 1000)
        let notices = all.filter { $0.stream == .system }
        #expect(notices.count == 1)
        let notice = String(decoding: notices.first?.data ?? [], as: UTF8.self)
        #expect(notice.contains("log truncated"))
        #expect(streamer.droppedBytes == 2000 + UInt64("step 1/1 failed\n".utf8.count))
        #expect(all.map(\.sequence) == Array(0..<UInt64(all.count)))
    }

    @Test func tailKeepsTheLastBytes() {
        let streamer = LogStreamer(job: testJob, configuration: LogStreamer.Configuration(flushInterval: .seconds(600), tailBytes: 16)) { _ in }
        for index in 0..<100 { streamer.write(Array("line \(index)\n".utf8), stream: .stdout, stepIndex: 0) }
        #expect(streamer.tail() == Array("line 98\nline 99\n".utf8))
    }
}
