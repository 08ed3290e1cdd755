extension XMLPullParser {
    /// Character data up to the next '<': references resolved, CR LF and lone CR turned into LF.
    mutating func characterData() throws(XMLParseError) -> String {
        var out: [UInt8] = []
        while pos < bytes.count {
            let c = bytes[pos]
            switch c {
            case UInt8(ascii: "<"):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "&"):
                out += try reference()
            case 0x0D:
                pos += 1
                if pos < bytes.count, bytes[pos] == 0x0A { pos += 1 }
                out.append(0x0A)
            case UInt8(ascii: "]") where has("]]>"):
                throw XMLParseError(.malformed, "']]>' is not allowed in text outside a CDATA section; write ]]&gt;", at: position(pos))
            default:
                out.append(c)
                pos += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An entity or character reference starting at '&', as the UTF-8 of the character it names.
    mutating func reference() throws(XMLParseError) -> [UInt8] {
        let start = pos
        var end = pos + 1
        while end < bytes.count, end - start <= 40, bytes[end] != UInt8(ascii: ";"),
              Self.isNameChar(bytes[end]) || bytes[end] == UInt8(ascii: "#") {
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";"), end > start + 1 else {
            throw XMLParseError(.malformed, "'&' must start a reference such as &amp; or &#38; (write a literal & as &amp;)", at: position(start))
        }
        let body = Array(bytes[(start + 1)..<end])
        pos = end + 1
        if body.first == UInt8(ascii: "#") {
            let isHex = body.count > 1 && body[1] == UInt8(ascii: "x")
            let digits = body.dropFirst(isHex ? 2 : 1)
            let valid = !digits.isEmpty && digits.count <= 8 && digits.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (isHex && ((b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)))
            }
            let text = String(decoding: body, as: UTF8.self)
            guard valid, let value = UInt32(String(decoding: digits, as: UTF8.self), radix: isHex ? 16 : 10) else {
                throw XMLParseError(.malformed, "invalid character reference '&\(text);'", at: position(start))
            }
            guard Self.isXMLChar(value), let scalar = Unicode.Scalar(value) else {
                throw XMLParseError(.malformed, "character reference '&\(text);' names a character XML does not allow", at: position(start))
            }
            return Array(String(Character(scalar)).utf8)
        }
        switch String(decoding: body, as: UTF8.self) {
        case "amp": return [UInt8(ascii: "&")]
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        case let name:
            throw XMLParseError(.malformed, "undefined entity '&\(name);'; only &amp; &lt; &gt; &quot; &apos; and character references such as &#160; are allowed",
                                at: position(start))
        }
    }

    /// `<![CDATA[ … ]]>`: the text as written, with line ends normalized.
    mutating func cdata() throws(XMLParseError) -> String {
        let start = pos
        pos += 9
        var out: [UInt8] = []
        while pos < bytes.count {
            if has("]]>") {
                pos += 3
                return String(decoding: out, as: UTF8.self)
            }
            let c = bytes[pos]
            pos += 1
            if c == 0x0D {
                if pos < bytes.count, bytes[pos] == 0x0A { pos += 1 }
                out.append(0x0A)
            } else {
                out.append(c)
            }
        }
        throw XMLParseError(.malformed, "the CDATA section is not closed with ']]>'", at: position(start))
    }

    /// `<!-- … -->`; XML forbids `--` inside a comment.
    mutating func comment() throws(XMLParseError) {
        let start = pos
        pos += 4
        while pos < bytes.count {
            if has("--") {
                guard pos + 2 < bytes.count, bytes[pos + 2] == UInt8(ascii: ">") else {
                    if pos + 2 >= bytes.count { break }
                    throw XMLParseError(.malformed, "'--' is not allowed inside a comment", at: position(pos))
                }
                pos += 3
                return
            }
            pos += 1
        }
        throw XMLParseError(.malformed, "the comment is not closed with '-->'", at: position(start))
    }

    /// `<!DOCTYPE name>`, `<!DOCTYPE name SYSTEM "uri">` or `<!DOCTYPE name PUBLIC "id" "uri">`:
    /// checked and skipped; the DTD it names is never read. An internal subset is refused.
    mutating func doctype() throws(XMLParseError) {
        let start = pos
        pos += 9
        guard skipSpace(), pos < bytes.count, Self.isNameStart(bytes[pos]) else {
            throw XMLParseError(.malformed, "expected the root element's name after <!DOCTYPE", at: position(pos))
        }
        _ = name()
        var literals = 0
        skipSpace()
        if has("SYSTEM") {
            pos += 6
            literals = 1
        } else if has("PUBLIC") {
            pos += 6
            literals = 2
        }
        for _ in 0..<literals {
            guard skipSpace(), pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") || bytes[pos] == UInt8(ascii: "'") else {
                throw XMLParseError(.malformed, "expected a quoted identifier in the DOCTYPE", at: position(pos))
            }
            let quote = bytes[pos]
            pos += 1
            while pos < bytes.count, bytes[pos] != quote { pos += 1 }
            guard pos < bytes.count else { throw XMLParseError(.malformed, "the DOCTYPE is not closed", at: position(start)) }
            pos += 1
        }
        skipSpace()
        guard pos < bytes.count else { throw XMLParseError(.malformed, "the DOCTYPE is not closed with '>'", at: position(start)) }
        if bytes[pos] == UInt8(ascii: "[") {
            throw XMLParseError(.unsupported, "a DOCTYPE with an internal subset ('[ … ]') is not allowed: DTD declarations and custom entities are refused",
                                at: position(pos))
        }
        guard bytes[pos] == UInt8(ascii: ">") else {
            throw XMLParseError(.malformed, "expected '>' to close the DOCTYPE", at: position(pos))
        }
        pos += 1
    }

    /// `<?target …?>` after the declaration.
    mutating func processingInstruction() throws(XMLParseError) {
        let start = pos
        pos += 2
        guard pos < bytes.count, Self.isNameStart(bytes[pos]) else {
            throw XMLParseError(.malformed, "expected a processing instruction target after '<?'", at: position(pos))
        }
        let target = name()
        if target.lowercased() == "xml" {
            throw XMLParseError(.malformed, "the XML declaration '<?xml …?>' is only allowed at the very start of the document", at: position(start))
        }
        if has("?>") { pos += 2; return }
        guard pos < bytes.count, Self.isSpace(bytes[pos]) else {
            throw XMLParseError(.malformed, "expected whitespace or '?>' after the processing instruction target '\(target)'", at: position(pos))
        }
        while pos < bytes.count {
            if has("?>") { pos += 2; return }
            pos += 1
        }
        throw XMLParseError(.malformed, "the processing instruction <?\(target) is not closed with '?>'", at: position(start))
    }

    /// The `<?xml version="1.x" encoding="…" standalone="…"?>` declaration at offset 0
    /// (the encoding itself was acted on by `XMLInput`).
    mutating func declaration() throws(XMLParseError) {
        pos = 5
        var seen: [String] = []
        while true {
            let hadSpace = skipSpace()
            guard pos < bytes.count else {
                throw XMLParseError(.malformed, "the XML declaration is not closed with '?>'", at: position(0))
            }
            if has("?>") { pos += 2; break }
            guard hadSpace, Self.isNameStart(bytes[pos]) else {
                throw XMLParseError(.malformed, "expected version, encoding, standalone or '?>' in the XML declaration", at: position(pos))
            }
            let at = pos
            let key = name()
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "=") else {
                throw XMLParseError(.malformed, "expected '=' after '\(key)' in the XML declaration", at: position(pos))
            }
            pos += 1
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") || bytes[pos] == UInt8(ascii: "'") else {
                throw XMLParseError(.malformed, "expected a quoted value for '\(key)' in the XML declaration", at: position(pos))
            }
            let quote = bytes[pos]
            let valueStart = pos + 1
            pos += 1
            while pos < bytes.count, bytes[pos] != quote, bytes[pos] != UInt8(ascii: "?") { pos += 1 }
            guard pos < bytes.count, bytes[pos] == quote else {
                throw XMLParseError(.malformed, "the value of '\(key)' in the XML declaration is not closed", at: position(valueStart))
            }
            let value = String(decoding: bytes[valueStart..<pos], as: UTF8.self)
            pos += 1
            let order = ["version", "encoding", "standalone"]
            guard let rank = order.firstIndex(of: key), seen.allSatisfy({ order.firstIndex(of: $0)! < rank }) else {
                throw XMLParseError(.malformed, "unexpected '\(key)' in the XML declaration; expected version, then optionally encoding and standalone",
                                    at: position(at))
            }
            if seen.isEmpty && key != "version" {
                throw XMLParseError(.malformed, "the XML declaration must start with version=\"1.0\"", at: position(at))
            }
            switch key {
            case "version" where !(value.hasPrefix("1.") && value.count > 2 && value.dropFirst(2).allSatisfy(ResultText.isDigit)):
                throw XMLParseError(.unsupported, "XML version '\(value)' is not supported; expected 1.0", at: position(valueStart))
            case "standalone" where value != "yes" && value != "no":
                throw XMLParseError(.malformed, "standalone must be 'yes' or 'no', found '\(value)'", at: position(valueStart))
            default: break
            }
            seen.append(key)
        }
        if seen.isEmpty { throw XMLParseError(.malformed, "the XML declaration must start with version=\"1.0\"", at: position(0)) }
    }

    /// XML 1.0's `Char` production.
    static func isXMLChar(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
    }
}
