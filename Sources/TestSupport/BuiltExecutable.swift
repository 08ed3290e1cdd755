#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Finds executables the package builds (`flotilla`), for tests that run them as processes.
///
/// `swift build --build-tests` puts every product of the package in the same directory as
/// the test bundle, so the first place to look is next to the running test binary; that also
/// picks the right one for any `--scratch-path`. Failing that, `<package root>/.build/debug`.
public enum BuiltExecutable {
    /// The absolute path of the executable product `name`.
    ///
    /// - Parameters:
    ///   - name: the product name, e.g. "flotilla".
    ///   - callerFile: leave as is; locates the package root from the test's source file.
    /// - Throws: ``BuiltExecutableError`` listing every place searched.
    public static func path(_ name: String, callerFile: String = #filePath) throws(BuiltExecutableError) -> String {
        var candidates: [String] = []
        for base in [CommandLine.arguments.first ?? "", Bundle.main.executablePath ?? "", Bundle.main.bundlePath] where !base.isEmpty {
            let absolute = base.hasPrefix("/") ? base : FileManager.default.currentDirectoryPath + "/" + base
            let resolved = URL(fileURLWithPath: absolute).resolvingSymlinksInPath()
            // The test binary itself, or (macOS) the .xctest bundle: look beside it.
            var directory = resolved.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent(name).path)
            // Inside a bundle (Foo.xctest/Contents/MacOS/Foo) the products sit three levels up.
            for _ in 0..<3 {
                directory = directory.deletingLastPathComponent()
                if directory.lastPathComponent.hasSuffix(".xctest") {
                    candidates.append(directory.deletingLastPathComponent().appendingPathComponent(name).path)
                }
            }
        }
        if let root = packageRoot(callerFile: callerFile) {
            candidates.append(root + "/.build/debug/" + name)
        }
        for candidate in candidates where isExecutableFile(candidate) {
            return candidate
        }
        throw BuiltExecutableError(name: name, searched: candidates)
    }

    /// The directory holding `Package.swift`, found by walking up from `callerFile`.
    public static func packageRoot(callerFile: String = #filePath) -> String? {
        var directory = URL(fileURLWithPath: callerFile).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory.path
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}

/// An executable product was not built where tests look for it.
public struct BuiltExecutableError: Error, CustomStringConvertible, Sendable {
    public var name: String
    /// Every path that was tried, in order.
    public var searched: [String]

    public var description: String {
        "the '\(name)' executable was not found; build it first (swift build --build-tests builds it beside the tests). "
            + "Searched: \(searched.joined(separator: ", "))"
    }
}
