/// Rules for artifact paths and names, shared by the pipeline loader and the planner (which
/// checks again after plan-time expressions are resolved).
///
/// Artifacts must come from inside the job's workspace, so a path is a relative glob: not
/// absolute, no `~`, no `..` component, `/` as the only separator. (Symlinks that leave the
/// workspace are the collector's concern: it sees the files.)
public enum ArtifactPath {
    /// Characters that make a path component a glob pattern rather than a literal name.
    static let globCharacters: Set<Character> = ["*", "?", "[", "]"]

    /// Longest artifact name, in bytes (the wire's limit).
    public static let maxNameBytes = 255

    /// The first problem with `pattern` as an artifact path.
    ///
    /// - Returns: The offset (in Characters) of the offending part and a message, or nil when
    ///   the pattern is acceptable.
    public static func problem(in pattern: String) -> (offset: Int, message: String)? {
        if pattern.trimmingWhitespace.isEmpty { return (0, "the artifact path is empty") }
        let chars = Array(pattern)
        if chars[0] == "/" || (chars.count >= 2 && chars[0].isASCII && chars[0].isLetter && chars[1] == ":") {
            return (0, "absolute path '\(pattern)' is not allowed; artifact paths are relative to the job's workspace")
        }
        if chars[0] == "~" {
            return (0, "'~' is not expanded in artifact paths; give a path relative to the job's workspace")
        }
        if let i = chars.firstIndex(of: "\\") {
            return (i, "backslashes are not allowed in artifact paths; separate directories with '/'")
        }
        if let i = chars.firstIndex(where: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) {
            return (i, "control characters are not allowed in artifact paths")
        }
        var offset = 0
        for component in pattern.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." {
                return (offset, "'..' is not allowed in artifact paths; artifacts must come from inside the job's workspace")
            }
            offset += component.count + 1
        }
        return nil
    }

    /// The problem with `name` as an artifact name, or nil when it is acceptable. Names become
    /// file names where artifacts are downloaded, so they are one component of a portable
    /// alphabet (the same rule as the wire's): 1–255 bytes of `[A-Za-z0-9._-]`, not `.` or `..`.
    public static func problem(inName name: String) -> String? {
        if name.isEmpty { return "the artifact name is empty" }
        if name.utf8.count > maxNameBytes { return "the artifact name is longer than \(maxNameBytes) bytes" }
        if name == "." || name == ".." { return "'\(name)' is not a valid artifact name" }
        if !name.utf8.allSatisfy(isNameByte) {
            return "artifact name '\(name)' may only contain letters, digits, '.', '_' and '-'"
        }
        return nil
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// The name an artifact gets without `name:`: the last path component when it is literal
    /// (`reports/junit.xml` → `junit.xml`), else the last literal directory before the first
    /// glob component (`build/test-results/**/*.xml` → `test-results`), else the kind
    /// (`**/*.sarif` → `sarif`; `files` for plain files). Characters outside `[A-Za-z0-9._-]`
    /// become `_`, so the result is always a valid name.
    public static func defaultName(for pattern: String, kind: ArtifactKind) -> String {
        let components = pattern.split(separator: "/").filter { $0 != "." && $0 != ".." }
        let isGlob = { (c: Substring) in c.contains { globCharacters.contains($0) } }
        var name = kind == .file ? "files" : kind.rawValue
        if let last = components.last, !isGlob(last) {
            name = String(last)
        } else if let dir = components.prefix(while: { !isGlob($0) }).last {
            name = String(dir)
        }
        var bytes = name.utf8.map { isNameByte($0) ? $0 : UInt8(ascii: "_") }
        if bytes.count > maxNameBytes { bytes.removeLast(bytes.count - maxNameBytes) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
