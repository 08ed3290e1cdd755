/// A small JSON parser producing `ExpressionValue`s with member order preserved (for `fromJSON`).
struct JSONReader {
    private let bytes: [UInt8]
    private var pos = 0
    private var depth = 0

    static func parse(_ text: String) throws(ExpressionError) -> ExpressionValue {
        var reader = JSONReader(bytes: Array(text.utf8))
        reader.skipSpace()
        let value = try reader.value()
        reader.skipSpace()
        guard reader.pos == reader.bytes.count else { throw reader.fail("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ message: String) -> ExpressionError {
        ExpressionError(offset: pos, message: "\(message) at byte \(pos) of the JSON text")
    }

    private mutating func skipSpace() {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    private mutating func value() throws(ExpressionError) -> ExpressionValue {
        guard pos < bytes.count else { throw fail("unexpected end of JSON text") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            try nest()
            defer { depth -= 1 }
            pos += 1; skipSpace()
            var members: [(key: String, value: ExpressionValue)] = []
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let key = try string()
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                pos += 1; skipSpace()
                let v = try value()
                if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = v } else { members.append((key, v)) }
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of JSON text") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                guard bytes[pos] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                pos += 1
                return .object(members)
            }
        case UInt8(ascii: "["):
            try nest()
            defer { depth -= 1 }
            pos += 1; skipSpace()
            var items: [ExpressionValue] = []
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value())
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of JSON text") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                guard bytes[pos] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                pos += 1
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        default:
            return .number(try number())
        }
    }

    private mutating func nest() throws(ExpressionError) {
        depth += 1
        if depth > 64 { throw fail("JSON nests deeper than 64 levels") }
    }

    private mutating func word(_ w: String) throws(ExpressionError) {
        let u = Array(w.utf8)
        guard pos + u.count <= bytes.count, Array(bytes[pos..<pos + u.count]) == u else { throw fail("invalid JSON value") }
        pos += u.count
    }

    private mutating func number() throws(ExpressionError) -> Double {
        let start = pos
        while pos < bytes.count, let c = Optional(bytes[pos]),
              (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            pos += 1
        }
        guard pos > start, let d = Double(String(decoding: bytes[start..<pos], as: UTF8.self)) else {
            pos = start
            throw fail("invalid JSON value")
        }
        return d
    }

    private mutating func string() throws(ExpressionError) -> String {
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw fail("unclosed JSON string") }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character in a JSON string") }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard pos < bytes.count else { throw fail("unclosed JSON string") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                    pos += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
            default:
                throw fail("invalid escape in a JSON string")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws(ExpressionError) -> UInt32 {
        guard pos + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16) else {
            throw fail("invalid \\u escape")
        }
        pos += 4
        return v
    }
}
