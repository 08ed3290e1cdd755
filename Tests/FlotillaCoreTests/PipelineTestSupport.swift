import Foundation
import Testing
import FlotillaCore

/// Helpers shared by the pipeline test files.
enum PipelineFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pipelines")

    static func path(_ group: String, _ name: String) -> String {
        directory.appendingPathComponent(group).appendingPathComponent(name).path
    }

    static func names(_ group: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(group).path)) ?? []
        return files.filter { $0.hasSuffix(".yml") }.sorted()
    }

    static func text(_ group: String, _ name: String) -> String {
        (try? String(contentsOfFile: path(group, name), encoding: .utf8)) ?? ""
    }
}

/// Loads and plans YAML text, recording any failure as a test issue.
func plan(_ yaml: String, options: PlanOptions = .init(), sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Plan? {
    do {
        return try Planner.plan(try PipelineLoader.load(text: yaml, fileName: "t.yml"), options: options)
    } catch {
        Issue.record("unexpected diagnostics:\n\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The diagnostics of YAML text that must fail to load or plan.
func diagnostics(_ yaml: String, options: PlanOptions = .init(), sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Diagnostic] {
    do {
        let plan = try Planner.plan(try PipelineLoader.load(text: yaml, fileName: "t.yml"), options: options)
        Issue.record("expected errors, got a plan with \(plan.jobs.count) jobs", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

/// A matrix combination as `key=value` strings in combination order.
func combination(_ job: PlannedJob) -> [String] { job.matrix.map { "\($0.axis)=\($0.value)" } }
