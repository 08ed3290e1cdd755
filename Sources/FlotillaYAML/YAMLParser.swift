internal import CYAML

/// Reads YAML text into a `YAMLNode` tree with libyaml's event API.
public enum YAMLParser {
    /// Parses one YAML document.
    ///
    /// - Parameters:
    ///   - text: The YAML source.
    ///   - file: The name used in error messages.
    ///   - limits: Size, depth and alias-expansion bounds.
    /// - Returns: The document's root node; an empty file (or one with only comments) yields
    ///   an empty plain scalar (null) at 1:1.
    /// - Throws: `YAMLError` with the 1-based position of the first problem.
    public static func parse(_ text: String, file: String, limits: YAMLLimits = .init()) throws(YAMLError) -> YAMLNode {
        let bytes = Array(text.utf8)
        guard bytes.count <= limits.maxBytes else {
            throw YAMLError(file: file, line: 1, column: 1,
                            message: "file is \(bytes.count) bytes; the limit is \(limits.maxBytes) bytes")
        }
        let empty = YAMLNode.scalar("", at: Mark(line: 1, column: 1))
        guard !bytes.isEmpty else { return empty }
        let result: Result<YAMLNode?, YAMLError> = bytes.withUnsafeBufferPointer { buffer in
            var session = ParseSession(file: file, limits: limits, source: buffer)
            return session.run()
        }
        switch result {
        case .success(let node): return node ?? empty
        case .failure(let error): throw error
        }
    }
}

/// One libyaml parser over one buffer; owns the C state for the duration of `run()`.
private struct ParseSession {
    let file: String
    let source: UnsafeBufferPointer<UInt8>
    var builder: YAMLTreeBuilder

    init(file: String, limits: YAMLLimits, source: UnsafeBufferPointer<UInt8>) {
        self.file = file; self.source = source
        builder = YAMLTreeBuilder(file: file, limits: limits)
    }

    mutating func run() -> Result<YAMLNode?, YAMLError> {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .failure(YAMLError(file: file, line: 1, column: 1, message: "libyaml could not allocate a parser"))
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, source.baseAddress, source.count)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        var documents = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                return .failure(YAMLErrorTranslator(file: file, source: source).translate(parser))
            }
            defer { yaml_event_delete(&event) }
            do throws(YAMLError) {
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return .success(builder.root)
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 {
                        throw YAMLError(file: file, at: mark(event.start_mark),
                                        "a second YAML document ('---') is not supported; a pipeline file holds one document")
                    }
                case YAML_SCALAR_EVENT:
                    let s = event.data.scalar
                    let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
                    var tag = string(s.tag)
                    if tag == "!" { tag = "tag:yaml.org,2002:str" }
                    let scalar = YAMLScalar(text: text, style: style(s.style), tag: tag)
                    try builder.scalar(scalar, anchor: string(s.anchor), at: mark(event.start_mark))
                case YAML_ALIAS_EVENT:
                    try builder.alias(string(event.data.alias.anchor) ?? "", at: mark(event.start_mark))
                case YAML_SEQUENCE_START_EVENT:
                    try builder.startSequence(anchor: string(event.data.sequence_start.anchor), at: mark(event.start_mark))
                case YAML_SEQUENCE_END_EVENT:
                    try builder.endSequence()
                case YAML_MAPPING_START_EVENT:
                    try builder.startMapping(anchor: string(event.data.mapping_start.anchor), at: mark(event.start_mark))
                case YAML_MAPPING_END_EVENT:
                    try builder.endMapping()
                default:
                    break
                }
            } catch {
                return .failure(error)
            }
        }
    }

    private func mark(_ m: yaml_mark_t) -> Mark { Mark(line: Int(m.line) + 1, column: Int(m.column) + 1) }

    private func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }

    private func style(_ s: yaml_scalar_style_t) -> ScalarStyle {
        switch s {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }
}
