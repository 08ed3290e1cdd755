import WireProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension MachineFingerprint {
    /// Describes this machine: `uname`, the CPU model from `/proc/cpuinfo`, online cores
    /// and `MemTotal` from `/proc/meminfo`. Fields that cannot be read are empty or zero.
    public static func probe() -> MachineFingerprint {
        var names = utsname()
        uname(&names)
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return MachineFingerprint(
            os: field(names.sysname).lowercased(),
            arch: field(names.machine),
            cpuModel: readText("/proc/cpuinfo").flatMap(cpuModel(fromCPUInfo:)) ?? "",
            cores: UInt32(truncatingIfNeeded: cores),
            memoryBytes: readText("/proc/meminfo").flatMap(memoryBytes(fromMemInfo:)) ?? 0,
            kernel: field(names.release))
    }

    /// The first `model name` in `/proc/cpuinfo` text (x86), else `Hardware`, `cpu model` or
    /// `CPU part` (ARM, MIPS), whitespace collapsed.
    static func cpuModel(fromCPUInfo text: String) -> String? {
        let lines = text.split(separator: "\n")
        for key in ["model name", "Hardware", "cpu model", "CPU part"] {
            for line in lines {
                guard let colon = line.firstIndex(of: ":"),
                      line[..<colon].trimmingCharacters(in: " \t") == key else { continue }
                let value = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// `MemTotal` from `/proc/meminfo` text, in bytes.
    static func memoryBytes(fromMemInfo text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.dropFirst("MemTotal:".count).split(separator: " ")
            guard let value = parts.first.flatMap({ UInt64($0) }) else { return nil }
            let unit = parts.count > 1 ? parts[1].lowercased() : ""
            return unit == "kb" ? value * 1024 : value
        }
        return nil
    }

    private static func field<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    private static func readText(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < 4 << 20 {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer.prefix(count))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return text
    }
}
