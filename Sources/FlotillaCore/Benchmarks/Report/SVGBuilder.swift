/// Writes SVG markup with every attribute value and text node escaped, attributes in the
/// order given (sorted when passed as a dictionary), so output is byte-for-byte stable.
struct SVGBuilder {
    private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var depth = 0

    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        text += indent + "<" + name + Self.attributes(attributes) + ">\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += indent + "</" + name + ">\n"
    }

    /// An element with optional text content; empty elements are self-closed.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text content: String? = nil) {
        text += indent + "<" + name + Self.attributes(attributes)
        if let content { text += ">" + Self.escape(content) + "</" + name + ">\n" } else { text += "/>\n" }
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    private static func attributes(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }

    /// Escapes the five XML specials and drops characters XML 1.0 forbids (C0 controls other
    /// than tab, newline and carriage return), which a metric name from a log line could carry.
    static func escape(_ raw: String) -> String {
        var out = ""
        out.reserveCapacity(raw.utf8.count)
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += "&#\(scalar.value);"
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { out += "\u{FFFD}" } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
