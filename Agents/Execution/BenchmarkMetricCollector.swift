import FlotillaCore
import Synchronization

/// Picks the `::metric` lines out of the stdout of one benchmark iteration's steps.
///
/// Output arrives in arbitrary pieces on the process runner's thread; the collector splits
/// it into lines (LF; a trailing CR is dropped by the parser), numbers them per step from 1
/// and parses each with `MetricLineParser`. The first malformed line is kept as the
/// iteration's failure, naming the step and line; later lines are then ignored. A line
/// longer than `maxLineBytes` is not buffered: ordinary output is skipped, a `::metric` line
/// is a failure.
final class BenchmarkMetricCollector: Sendable {
    /// Longest stdout line the collector holds while waiting for its end.
    static let maxLineBytes = 64 << 10

    private struct State {
        var step = ""
        var partial: [UInt8] = []
        var lineNumber = 0
        /// The current line outgrew `maxLineBytes`; skip to its end.
        var skipping = false
        var readings: [MetricReading] = []
        var failure: String?
    }

    private let state = Mutex(State())

    /// Starts collecting a step's stdout; `step` names it in failures (`step 2/3 (bench)`).
    func beginStep(_ step: String) {
        state.withLock { state in
            state.step = step
            state.partial.removeAll()
            state.lineNumber = 0
            state.skipping = false
        }
    }

    /// Adds a piece of the current step's stdout.
    func write(_ bytes: [UInt8]) {
        state.withLock { state in
            var rest = bytes[...]
            while state.failure == nil, !rest.isEmpty {
                guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")) else {
                    Self.accumulate(rest, into: &state)
                    return
                }
                Self.accumulate(rest[..<newline], into: &state)
                Self.endLine(&state)
                rest = rest[(newline + 1)...]
            }
        }
    }

    /// The step's process ended: a last line without LF still counts.
    func endStep() {
        state.withLock { state in
            if !state.partial.isEmpty || state.skipping { Self.endLine(&state) }
        }
    }

    /// Readings so far, in output order.
    var readings: [MetricReading] { state.withLock { $0.readings } }

    /// The first malformed metric line, as a sentence naming step and line; nil when none.
    var failure: String? { state.withLock { $0.failure } }

    private static func accumulate(_ bytes: ArraySlice<UInt8>, into state: inout State) {
        guard !state.skipping else { return }
        if state.partial.count + bytes.count > maxLineBytes {
            state.partial.append(contentsOf: bytes.prefix(MetricLineParser.commandPrefix.utf8.count))
            if state.partial.starts(with: MetricLineParser.commandPrefix.utf8) {
                state.failure = "\(state.step): stdout line \(state.lineNumber + 1): a ::metric line longer than \(maxLineBytes) bytes"
            }
            state.partial.removeAll()
            state.skipping = true
            return
        }
        state.partial.append(contentsOf: bytes)
    }

    private static func endLine(_ state: inout State) {
        state.lineNumber += 1
        defer {
            state.partial.removeAll(keepingCapacity: true)
            state.skipping = false
        }
        guard !state.skipping, state.failure == nil, state.partial.starts(with: MetricLineParser.commandPrefix.utf8) else { return }
        let line = String(decoding: state.partial, as: UTF8.self)
        do {
            if let reading = try MetricLineParser.parseCommand(line, lineNumber: state.lineNumber) {
                state.readings.append(reading)
            }
        } catch {
            state.failure = "\(state.step): stdout \(error)"
        }
    }
}
