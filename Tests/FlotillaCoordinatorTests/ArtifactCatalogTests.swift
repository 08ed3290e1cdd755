import Foundation
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaCoordinator

@Suite("Artifact catalog")
struct ArtifactCatalogTests {
    private func summary(_ name: String, job: String = "build", sha: Character = "a") -> ArtifactSummary {
        ArtifactSummary(name: name, jobID: job, relativePath: "out/" + name, kind: .junit, size: 12,
                        sha256: String(repeating: sha, count: 64))
    }

    @Test("duplicate names get -2, -3 … before the extension; SHA256SUMS is reserved", arguments: [
        ("junit.xml", ["junit.xml"], "junit-2.xml"),
        ("junit.xml", ["junit.xml", "junit-2.xml"], "junit-3.xml"),
        ("report", ["report"], "report-2"),
        (".hidden", [".hidden"], ".hidden-2"),
        ("a.tar.gz", ["a.tar.gz"], "a.tar-2.gz"),
        ("free.txt", ["other"], "free.txt"),
        ("SHA256SUMS", ["SHA256SUMS"], "SHA256SUMS-2"),
    ])
    func uniqueNames(_ name: String, _ taken: [String], _ expected: String) {
        #expect(ArtifactCatalog.uniqueName(name, taken: Set(taken)) == expected)
    }

    @Test("suffixed names stay within 255 bytes")
    func longNames() {
        let long = String(repeating: "n", count: 251) + ".xml"
        let unique = ArtifactCatalog.uniqueName(long, taken: [long])
        #expect(unique.utf8.count == 255)
        #expect(unique.hasSuffix("-2.xml"))
        #expect(ArtifactNaming.isValidName(unique))
    }

    @Test("records persist in the run's manifest and a fresh catalog reads them back")
    func persistence() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-catalog")
        let runs = directory.file("runs")
        let catalog = try ArtifactCatalog(runsDirectory: runs)
        try catalog.runAccepted("run-1")
        #expect(try catalog.artifacts(ofRun: "run-1") == [])
        #expect(try catalog.artifacts(ofRun: "run-2") == nil)
        let first = try catalog.record(summary("junit.xml"), inRun: "run-1")
        let second = try catalog.record(summary("junit.xml", job: "test", sha: "b"), inRun: "run-1")
        let third = try catalog.record(summary("SHA256SUMS"), inRun: "run-1")
        #expect([first.name, second.name, third.name] == ["junit.xml", "junit-2.xml", "SHA256SUMS-2"])

        let reread = ArtifactCatalog.reading(runsDirectory: runs)
        #expect(try reread.artifacts(ofRun: "run-1") == [first, second, third])
        #expect(try reread.artifact(named: "junit-2.xml", inRun: "run-1") == second)
        #expect(FileManager.default.fileExists(atPath: runs + "/run-1/artifacts.json"))
        // No temporary files are left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs + "/run-1") == ["artifacts.json"])
    }

    @Test("the manifest is the documented JSON, and parsing validates every entry")
    func manifestFormat() throws {
        let manifest = ArtifactManifest(runID: "r-9", artifacts: [summary("a.xml")])
        let text = String(decoding: manifest.json(), as: UTF8.self)
        for key in ["\"version\" : 1", "\"runID\" : \"r-9\"", "\"name\" : \"a.xml\"", "\"job\" : \"build\"",
                    "\"relativePath\" : \"out/a.xml\"", "\"kind\" : \"junit\"", "\"size\" : 12"] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        #expect(try ArtifactManifest.parse(manifest.json(), path: "m") == manifest)
        let traversal = text.replacingOccurrences(of: "\"name\" : \"a.xml\"", with: "\"name\" : \"../evil\"")
        #expect(throws: ArtifactCatalogError.self) { try ArtifactManifest.parse(Array(traversal.utf8), path: "m") }
        #expect(throws: ArtifactCatalogError.self) { try ArtifactManifest.parse(Array("{}".utf8), path: "m") }
    }

    @Test("run ids that are not plain names never reach the file system")
    func runIDValidation() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-catalog")
        let catalog = try ArtifactCatalog(runsDirectory: directory.file("runs"))
        for bad in ["../x", "a/b", "", ".."] {
            #expect(throws: ArtifactCatalogError.invalidRunID(bad)) { try catalog.artifacts(ofRun: bad) }
        }
    }
}
