import Testing
import FlotillaNet

@Suite("HostPort")
struct HostPortTests {
    @Test("parses IPv4, bracketed IPv6 and names", arguments: [
        ("127.0.0.1:7000", "127.0.0.1", UInt16(7000)),
        ("[::1]:7000", "::1", 7000),
        ("[fe80::1%eth0]:22", "fe80::1%eth0", 22),
        ("ci.example.com:443", "ci.example.com", 443),
        ("localhost:0", "localhost", 0),
        ("0.0.0.0:65535", "0.0.0.0", 65535),
    ])
    func parses(input: String, host: String, port: UInt16) throws {
        let parsed = try HostPort.parse(input)
        #expect(parsed == HostPort(host: host, port: port))
        #expect(try HostPort.parse(parsed.description) == parsed)
    }

    @Test("rejects malformed input with a reason", arguments: [
        ("", "empty"),
        ("127.0.0.1", "missing port"),
        ("::1:7000", "must be in brackets"),
        ("[::1]7000", "expected ':PORT'"),
        ("[::1", "missing ']'"),
        ("[127.0.0.1]:80", "only for IPv6"),
        (":7000", "empty host"),
        ("host:", "empty port"),
        ("host:65536", "not a number from 0 to 65535"),
        ("host:-1", "not a number"),
        ("host:+80", "not a number"),
        ("host:0x50", "not a number"),
        ("ho st:80", "characters not allowed"),
        ("host/x:80", "characters not allowed"),
    ])
    func rejects(input: String, reasonFragment: String) {
        #expect {
            _ = try HostPort.parse(input)
        } throws: { error in
            guard let error = error as? HostPortError else { return false }
            return error.input == input && error.reason.contains(reasonFragment)
                && error.description.contains("\"\(input)\"")
        }
    }

    @Test("description brackets IPv6 hosts only")
    func description() {
        #expect(HostPort(host: "::1", port: 1).description == "[::1]:1")
        #expect(HostPort(host: "10.0.0.1", port: 2).description == "10.0.0.1:2")
    }
}
