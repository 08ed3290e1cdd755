internal import COpenSSL

/// Reads and clears OpenSSL's thread-local error queue.
///
/// OpenSSL reports failures by pushing entries on a per-thread queue; a stale entry left
/// behind would be blamed on the next unrelated call, so every operation clears the queue
/// before it starts and drains it into its error when it fails.
enum OpenSSLErrorStack {
    /// Drops whatever earlier calls left on this thread's queue.
    static func clear() {
        ERR_clear_error()
    }

    /// Drains the queue into one line, oldest entry first, entries separated by "; ".
    ///
    /// - Returns: the joined entries, or "no OpenSSL error recorded" when the queue is empty.
    static func drain() -> String {
        var entries: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { raw in
                ERR_error_string_n(code, raw.baseAddress, raw.count)
            }
            entries.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                  as: UTF8.self))
        }
        return entries.isEmpty ? "no OpenSSL error recorded" : entries.joined(separator: "; ")
    }
}
