#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes each record as one line to standard error.
///
/// The line format is `2026-11-24T04:50:00.123Z level label: message key=value key2="quoted value"`:
/// an RFC 3339 UTC timestamp with milliseconds, the level, the label, the message, then the
/// metadata sorted by key. Values containing spaces, quotes, `=`, backslashes or control
/// characters (and empty values) are double-quoted with C-style escapes, and newlines in the
/// message are escaped, so one record is always exactly one line that `grep` and log
/// shippers can split.
public struct StderrLogSink: LogSink {
    public init() {}

    public func log(_ record: LogRecord) {
        var line = Array(StderrLogSink.format(record).utf8)
        line.append(0x0A)
        // One write(2) per line keeps lines from concurrent threads whole.
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// Formats a record as the single line `log(_:)` writes, without the newline.
    public static func format(_ record: LogRecord) -> String {
        var line = formatTimestamp(millis: record.timestampMillis)
        line += " \(record.level) \(record.label): "
        line += escapeMessage(record.message)
        for key in record.metadata.keys.sorted() {
            line += " \(key)=\(quoteIfNeeded(record.metadata[key]!))"
        }
        return line
    }

    /// Renders milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func formatTimestamp(millis: Int64) -> String {
        var seconds = time_t(millis.dividedFloor(by: 1000))
        let milliseconds = Int(millis - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(milliseconds, 3) + "Z"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func escapeMessage(_ message: String) -> String {
        guard message.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return message }
        return escape(message)
    }

    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "\"" || scalar == "=" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F
        }
        return needsQuotes ? "\"" + escape(value) + "\"" : value
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 format correctly.
    fileprivate func dividedFloor(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
