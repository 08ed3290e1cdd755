import Foundation

/// The single-thread speed of one OpenSSL primitive, from `openssl speed`, as the yardstick
/// for byte-moving paths (artifact upload and download encrypt with AES-GCM and hash with SHA-256).
///
/// Runs `openssl speed -mr -evp ALGORITHM -bytes 16384 -seconds N` as a child process: one
/// thread (no `-multi`), through the EVP interface (AES-NI / SHA extensions when the CPU has
/// them, as libssl uses in a TLS session), on 16 KiB blocks, the size of a full TLS record.
/// `-mr` prints `+F:<n>:<algorithm>:<bytes per second>`, which is parsed.
enum OpenSSLSpeed {
    /// Measures `algorithm` (an EVP name such as `aes-128-gcm` or `sha256`) for `seconds`.
    ///
    /// - Returns: bytes per second.
    /// - Throws: `BenchError.spawn` when `openssl` cannot run, fails, or prints no figure.
    static func bytesPerSecond(_ algorithm: String, seconds: Int) throws(BenchError) -> Double {
        let arguments = ["speed", "-mr", "-evp", algorithm, "-bytes", "16384", "-seconds", String(seconds)]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .spawn("openssl \(arguments.joined(separator: " ")): \(error)")
        }
        // Read before waiting: the report is small, but a full pipe would block the child.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .spawn("openssl \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus): \(text)")
        }
        guard let figure = parse(text) else {
            throw .spawn("openssl \(arguments.joined(separator: " ")) printed no `+F:` line: \(text)")
        }
        return figure
    }

    /// The bytes per second of the last column of the first `+F:` line of `openssl speed -mr` output.
    static func parse(_ text: String) -> Double? {
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("+F:") {
            let fields = line.split(separator: ":")
            guard fields.count >= 4, let value = Double(fields[fields.count - 1]), value > 0 else { continue }
            return value
        }
        return nil
    }
}
