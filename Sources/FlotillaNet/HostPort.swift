/// A "HOST:PORT" endpoint as users type it: `127.0.0.1:7000`, `[::1]:7000`, `ci.example.com:7000`.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host: a name, an IPv4 literal, or an IPv6 literal without brackets.
    public var host: String
    /// The TCP port; 0 means "any free port" when listening.
    public var port: UInt16

    /// Creates an endpoint.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// The endpoint as `parse` accepts it, with brackets around IPv6 literals.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses "HOST:PORT", where an IPv6 host is written in brackets.
    ///
    /// - Throws: `HostPortError` naming the input and what was expected.
    public static func parse(_ text: String) throws(HostPortError) -> HostPort {
        func fail(_ reason: String) -> HostPortError { HostPortError(input: text, reason: reason) }
        guard !text.isEmpty else { throw fail("empty; expected HOST:PORT, e.g. 127.0.0.1:7000") }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw fail("missing ']' after the IPv6 address; expected [ADDRESS]:PORT, e.g. [::1]:7000")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw fail("expected ':PORT' after ']', e.g. [::1]:7000")
            }
            portText = rest.dropFirst()
            guard host.contains(":") else {
                throw fail("brackets are only for IPv6 addresses; write \(host):PORT instead")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw fail("missing port; expected HOST:PORT, e.g. \(text):7000")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else {
                throw fail("an IPv6 address must be in brackets, e.g. [::1]:7000")
            }
        }
        guard !host.isEmpty else { throw fail("empty host; expected HOST:PORT, e.g. 127.0.0.1:7000") }
        guard host.unicodeScalars.allSatisfy(isHostCharacter) else {
            throw fail("host \"\(host)\" contains characters not allowed in a host name or address")
        }
        guard !portText.isEmpty else { throw fail("empty port; expected a number from 0 to 65535") }
        guard portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), portText.utf8.count <= 5,
              let value = Int(portText), value <= Int(UInt16.max) else {
            throw fail("port \"\(portText)\" is not a number from 0 to 65535")
        }
        return HostPort(host: String(host), port: UInt16(value))
    }

    /// Letters, digits, '.', '-', '_' (names), ':' (IPv6) and '%' (IPv6 zone ids).
    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_", ":", "%": true
        default: false
        }
    }
}

/// A "HOST:PORT" string that `HostPort.parse` could not read.
public struct HostPortError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public var input: String
    /// What is wrong and what was expected.
    public var reason: String

    public init(input: String, reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String { "invalid address \"\(input)\": \(reason)" }
}
