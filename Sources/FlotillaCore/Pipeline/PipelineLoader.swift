import Foundation
internal import FlotillaYAML

/// Reads a pipeline file (GitHub Actions workflow syntax) into a validated `Pipeline`.
///
/// The loader reports every problem it can find in one pass — unknown keys, wrong types,
/// unknown `needs`, dependency cycles, expression syntax errors — each at file:line:column.
public enum PipelineLoader {
    /// Largest pipeline file accepted, in bytes.
    public static let maxFileBytes = 4 << 20

    /// Loads a pipeline from text.
    ///
    /// - Parameters:
    ///   - text: The YAML source.
    ///   - fileName: The name diagnostics use (usually the path the text came from).
    /// - Returns: The validated pipeline; its `warnings` hold non-fatal findings.
    /// - Throws: `PipelineLoadError` with every error found.
    public static func load(text: String, fileName: String) throws(PipelineLoadError) -> Pipeline {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text, file: fileName, limits: YAMLLimits(maxBytes: maxFileBytes))
        } catch {
            throw PipelineLoadError(diagnostics: [Diagnostic(file: error.file, line: error.line, column: error.column,
                                                             severity: .error, message: error.message)])
        }
        var reader = PipelineReader(file: fileName, source: text)
        let pipeline = reader.readPipeline(root)
        let errors = reader.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let pipeline else {
            throw PipelineLoadError(diagnostics: reader.sortedDiagnostics)
        }
        return pipeline
    }

    /// Loads a pipeline from a file.
    ///
    /// - Parameter path: The file to read; also the name used in diagnostics.
    /// - Throws: `PipelineLoadError` if the file cannot be read (reported at 1:1) or is invalid.
    public static func load(path: String) throws(PipelineLoadError) -> Pipeline {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maxFileBytes {
            throw PipelineLoadError(diagnostics: [Diagnostic(file: path, line: 1, column: 1, severity: .error,
                                                             message: "file is \(size) bytes; the limit is \(maxFileBytes) bytes")])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let reason = !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) ? "no such file"
                : isDirectory.boolValue ? "it is a directory, not a pipeline file" : "permission denied or unreadable"
            throw PipelineLoadError(diagnostics: [Diagnostic(file: path, line: 1, column: 1, severity: .error,
                                                             message: "cannot read the file: \(reason)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineLoadError(diagnostics: [Diagnostic(file: path, line: 1, column: 1, severity: .error,
                                                             message: "the file is not valid UTF-8 text")])
        }
        return try load(text: text, fileName: path)
    }
}
