import Foundation
import Testing
import FlotillaCore

/// Result-file fixtures (realistic outputs of pytest, Surefire, go-junit-report, coverage.py,
/// gcov/llvm-cov, CodeQL) under `Fixtures/results`.
enum ResultFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/results")

    static func bytes(_ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
            Issue.record("missing fixture \(name)", sourceLocation: sourceLocation)
            return []
        }
        return [UInt8](data)
    }
}

/// Parses XML text, returning the root or recording the error.
func xmlRoot(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> XMLTree.Element? {
    do {
        return try XMLTree.parse(Array(text.utf8))
    } catch {
        Issue.record("unexpected XML error: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The error XML text must produce.
func xmlError(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> XMLParseError? {
    xmlError(Array(text.utf8), sourceLocation: sourceLocation)
}

func xmlError(_ bytes: [UInt8], limits: XMLLimits = .init(), sourceLocation: Testing.SourceLocation = #_sourceLocation) -> XMLParseError? {
    do {
        let root = try XMLTree.parse(bytes, limits: limits)
        Issue.record("expected an XML error, parsed <\(root.name)>", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The error the parser for `format` must throw for `text`.
func resultError(_ format: ResultFormat, _ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> ResultParseError? {
    let bytes = Array(text.utf8)
    do {
        switch format {
        case .junit: _ = try JUnitParser.parse(bytes)
        case .cobertura: _ = try CoberturaParser.parse(bytes)
        case .lcov: _ = try LcovParser.parse(bytes)
        case .sarif: _ = try SARIFParser.parse(bytes)
        }
        Issue.record("expected a \(format.rawValue) parse error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
