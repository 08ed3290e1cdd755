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

    /// Escapes the five XML specials and replaces characters XML 1.0 forbids (a metric name
    /// from a log line could carry them), as every XML Flotilla writes does.
    static func escape(_ raw: String) -> String { VerdictRenderer.xml(raw) }
}
