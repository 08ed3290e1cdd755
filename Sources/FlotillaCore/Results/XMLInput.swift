/// The bytes of an XML document made ready for the tokenizer: size-checked, byte order mark
/// removed, ISO-8859-1 transcoded to UTF-8, and every character checked against XML 1.0's
/// `Char` production once, so the tokenizer can treat any byte at or above 0x80 as part of a
/// valid character.
struct XMLInput {
    let bytes: [UInt8]

    init(_ raw: [UInt8], limits: XMLLimits) throws(XMLParseError) {
        guard raw.count <= limits.maxBytes else {
            throw XMLParseError(.tooLarge, "the document is \(raw.count) bytes; the limit is \(limits.maxBytes) bytes")
        }
        var body = raw
        if body.starts(with: [0xEF, 0xBB, 0xBF]) {
            body.removeFirst(3)
        } else if body.starts(with: [0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE]) {
            throw XMLParseError(.unsupported, "the document is UTF-16; only UTF-8 (or declared ISO-8859-1) is supported",
                                at: SourcePosition(line: 1, column: 1))
        }
        switch try Self.declaredEncoding(body) {
        case .utf8: break
        case .latin1: body = Self.transcodeLatin1(body)
        }
        try Self.validate(body)
        bytes = body
    }

    private enum Encoding { case utf8, latin1 }

    /// The `encoding=` of a leading XML declaration (its other parts are checked by the
    /// tokenizer); UTF-8 when absent.
    private static func declaredEncoding(_ b: [UInt8]) throws(XMLParseError) -> Encoding {
        guard b.starts(with: Array("<?xml".utf8)) else { return .utf8 }
        let end = min(b.count, 512)
        guard let close = (0..<end).first(where: { b[$0] == UInt8(ascii: "?") && $0 + 1 < end && b[$0 + 1] == UInt8(ascii: ">") }) else {
            return .utf8  // The tokenizer reports the unclosed declaration with its position.
        }
        let key = Array("encoding".utf8)
        var i = 5
        while i + key.count < close {
            if Array(b[i..<i + key.count]) == key, b[i - 1] == 0x20 || b[i - 1] == 0x09 || b[i - 1] == 0x0A || b[i - 1] == 0x0D {
                var j = i + key.count
                while j < close, b[j] == 0x20 || b[j] == 0x09 || b[j] == 0x0A || b[j] == 0x0D || b[j] == UInt8(ascii: "=") { j += 1 }
                guard j < close, b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'") else { return .utf8 }
                let quote = b[j]
                var k = j + 1
                while k < close, b[k] != quote { k += 1 }
                let name = String(decoding: b[(j + 1)..<k], as: UTF8.self)
                switch name.lowercased() {
                case "utf-8", "utf8", "us-ascii", "ascii": return .utf8
                case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1": return .latin1
                default:
                    var locator = XMLLocator(bytes: b)
                    throw XMLParseError(.unsupported, "encoding '\(name)' is not supported; use UTF-8",
                                        at: locator.position(of: j + 1))
                }
            }
            i += 1
        }
        return .utf8
    }

    private static func transcodeLatin1(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count + b.count / 8)
        for byte in b {
            if byte < 0x80 { out.append(byte) } else {
                out.append(0xC0 | (byte >> 6))
                out.append(0x80 | (byte & 0x3F))
            }
        }
        return out
    }

    /// Checks UTF-8 (no overlong forms, surrogates or values past U+10FFFF) and XML's `Char`:
    /// tab, newline, carriage return, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
    private static func validate(_ b: [UInt8]) throws(XMLParseError) {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 {
                if c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D {
                    throw invalid(b, i, "control character U+\(hex(UInt32(c))) is not allowed in XML")
                }
                i += 1
                continue
            }
            let length: Int, minimum: UInt32
            var scalar: UInt32
            switch c {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(c & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(c & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(c & 0x07)
            default: throw invalid(b, i, "invalid UTF-8 byte 0x\(String(c, radix: 16, uppercase: true))")
            }
            guard i + length <= n else { throw invalid(b, i, "truncated UTF-8 sequence at the end of the document") }
            for k in 1..<length {
                let cont = b[i + k]
                guard cont & 0xC0 == 0x80 else { throw invalid(b, i, "invalid UTF-8 sequence") }
                scalar = scalar << 6 | UInt32(cont & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
                throw invalid(b, i, "invalid UTF-8 sequence")
            }
            if scalar == 0xFFFE || scalar == 0xFFFF {
                throw invalid(b, i, "character U+\(hex(scalar)) is not allowed in XML")
            }
            i += length
        }
    }

    private static func invalid(_ b: [UInt8], _ offset: Int, _ message: String) -> XMLParseError {
        var locator = XMLLocator(bytes: b)
        return XMLParseError(.malformed, message, at: locator.position(of: offset))
    }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Turns byte offsets into 1-based line and column (in characters) positions.
///
/// Offsets are asked for mostly in increasing order, so it walks forward from the last answer
/// (linear over a whole document, even a long single-line one); an earlier offset restarts it.
struct XMLLocator {
    let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var column = 1

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func position(of target: Int) -> SourcePosition {
        if target < offset { offset = 0; line = 1; column = 1 }
        let end = min(target, bytes.count)
        while offset < end {
            let b = bytes[offset]
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            offset += 1
        }
        return SourcePosition(line: line, column: column)
    }
}
