/// The name of a group of interchangeable machines; benchmark samples are compared only
/// within one class.
///
/// An agent's class is what its operator gives with `--machine-class`, or else the slug
/// `derive` builds from its fingerprint, such as
/// `linux-x86_64-amd-epyc-7763-64-core-64c-252g-k6.8`: two identical machines get the same
/// class, while a different CPU, core count, memory size or kernel line separates them.
/// Memory is rounded to whole GiB (machines of one model report slightly different
/// `MemTotal`) and the kernel keeps only `major.minor` (a patch update does not change
/// performance enough to restart every baseline).
public enum MachineClass {
    /// Longest class name.
    public static let maxLength = 64

    /// The class of a machine from its fingerprint fields (`MachineFingerprint` on the wire).
    ///
    /// The result always passes `validate`: at most 64 characters of `[a-z0-9._-]`. When the
    /// readable parts are longer, the CPU model is shortened and an 8-digit hash of the full
    /// slug is appended, so shortened classes of different machines still differ.
    /// - Parameters:
    ///   - os: `uname` system name (`linux`).
    ///   - arch: `uname` machine (`x86_64`, `aarch64`).
    ///   - cpuModel: `/proc/cpuinfo` model name.
    ///   - cores: Online cores.
    ///   - memoryBytes: Total memory.
    ///   - kernel: `uname` release (`6.8.0-45-generic`).
    public static func derive(os: String, arch: String, cpuModel: String, cores: UInt32,
                              memoryBytes: UInt64, kernel: String) -> String {
        let gib = (memoryBytes + (1 << 29)) >> 30
        let head = [slug(os), slug(arch)].joined(separator: "-")
        let tail = "\(cores)c-\(gib)g-k\(kernelLine(kernel))"
        let cpu = slug(cpuModelWords(cpuModel))
        let full = [head, cpu, tail].joined(separator: "-")
        guard full.count > maxLength else { return full }
        let hash = String(fnv1a(full), radix: 16)
        let suffix = "-" + String(repeating: "0", count: 8 - hash.count) + hash
        let room = max(0, maxLength - head.count - tail.count - suffix.count - 2)
        var shortCPU = String(cpu.prefix(room))
        while shortCPU.hasSuffix("-") || shortCPU.hasSuffix(".") { shortCPU.removeLast() }
        let parts = [head, shortCPU, tail].filter { !$0.isEmpty }
        return String((parts.joined(separator: "-") + suffix).prefix(maxLength))
    }

    /// Checks a class name an operator gave (`--machine-class`): 1…64 characters of
    /// `[A-Za-z0-9._-]`.
    /// - Throws: `MachineClassError` saying what is wrong.
    public static func validate(_ name: String) throws(MachineClassError) {
        guard !name.isEmpty else { throw MachineClassError(name: name, reason: "it is empty") }
        guard name.utf8.count <= maxLength else {
            throw MachineClassError(name: name, reason: "it is \(name.utf8.count) characters long, longer than \(maxLength)")
        }
        if let bad = name.unicodeScalars.first(where: { !isClassCharacter($0) }) {
            throw MachineClassError(name: name, reason: "'\(bad.escaped(asASCII: true))' is not allowed")
        }
    }

    private static func isClassCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }

    /// Lowercase words of `[a-z0-9._]` joined by `-`; empty text becomes `unknown`.
    static func slug(_ text: String) -> String {
        var words: [String] = []
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if isClassCharacter(scalar) && scalar != "-" {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        let joined = words.joined(separator: "-")
        return joined.isEmpty ? "unknown" : joined
    }

    /// The model name without trademark marks, filler words and the base clock Intel appends
    /// (`Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz` → `Intel Xeon Platinum 8375C`).
    private static func cpuModelWords(_ model: String) -> String {
        var text = model
        if let at = text.firstIndex(of: "@") { text = String(text[..<at]) }
        for mark in ["(R)", "(r)", "(TM)", "(tm)", "(C)", "(c)", "®", "™"] {
            text = text.split(separator: mark, omittingEmptySubsequences: false).joined(separator: " ")
        }
        let filler: Set<String> = ["cpu", "processor"]
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            .filter { !filler.contains($0.lowercased()) }
            .joined(separator: " ")
    }

    /// `major.minor` of a kernel release (`6.8.0-45-generic` → `6.8`); the release's first
    /// word when it has no such form.
    private static func kernelLine(_ kernel: String) -> String {
        let numbers = kernel.prefix { $0.isNumber || $0 == "." }.split(separator: ".", omittingEmptySubsequences: false)
        if numbers.count >= 2, !numbers[0].isEmpty, !numbers[1].isEmpty { return "\(numbers[0]).\(numbers[1])" }
        return slug(kernel)
    }

    /// 32-bit FNV-1a: stable across processes and platforms, unlike `Hasher`.
    private static func fnv1a(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return hash
    }
}

/// A machine class name an operator gave is not usable.
public struct MachineClassError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name as given.
    public var name: String
    /// What is wrong with it.
    public var reason: String

    public init(name: String, reason: String) { self.name = name; self.reason = reason }

    public var description: String {
        "invalid machine class '\(name)': \(reason); expected 1 to \(MachineClass.maxLength) characters of A-Z, a-z, 0-9, '.', '_' and '-'"
    }
}
