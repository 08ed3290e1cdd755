import Testing
import WireProtocol
@testable import FlotillaAgent

@Suite("Machine fingerprint")
struct MachineFingerprintProbeTests {
    @Test func parsesCPUModelAndMemory() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)   CPU @ 2.20GHz\n\nprocessor\t: 1\nmodel name\t: other\n"
        #expect(MachineFingerprint.cpuModel(fromCPUInfo: x86) == "Intel(R) Xeon(R) CPU @ 2.20GHz")
        #expect(MachineFingerprint.cpuModel(fromCPUInfo: "processor : 0\nCPU part : 0xd0c\n") == "0xd0c")
        #expect(MachineFingerprint.cpuModel(fromCPUInfo: "processor : 0\n") == nil)
        #expect(MachineFingerprint.memoryBytes(fromMemInfo: "MemTotal:       16318480 kB\nMemFree: 1 kB\n") == 16_318_480 * 1024)
        #expect(MachineFingerprint.memoryBytes(fromMemInfo: "MemFree: 1 kB\n") == nil)
    }

    @Test func probeDescribesThisMachine() {
        let fingerprint = MachineFingerprint.probe()
        #expect(fingerprint.os == "linux")
        #expect(!fingerprint.arch.isEmpty && !fingerprint.kernel.isEmpty)
        #expect(fingerprint.cores >= 1)
        #expect(fingerprint.memoryBytes > 0)
    }
}
