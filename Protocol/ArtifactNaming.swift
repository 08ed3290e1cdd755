/// The wire's rules for artifact names, relative paths and digests (PROTOCOL.md, "Artifacts").
///
/// Names become file names in a client's download directory and paths are shown to people,
/// so both are restricted to a portable alphabet that can never spell a traversal: a name is
/// one path component, a relative path is components joined by `/`. Decoders refuse fields
/// that break these rules, so every peer can use a decoded name as a file name.
public enum ArtifactNaming {
    /// Longest artifact name, in bytes.
    public static let maxNameBytes = 255
    /// Longest relative path, in bytes.
    public static let maxRelativePathBytes = 4_096

    /// Whether `byte` is in `[A-Za-z0-9._-]`.
    public static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// 1…255 bytes of `[A-Za-z0-9._-]`, and neither `.` nor `..`.
    public static func isValidName(_ name: String) -> Bool {
        isValidComponent(name.utf8, maxBytes: maxNameBytes)
    }

    /// 1…4096 bytes: components that are each a valid name, joined by single `/`; not absolute.
    public static func isValidRelativePath(_ path: String) -> Bool {
        let bytes = path.utf8
        guard !bytes.isEmpty, bytes.count <= maxRelativePathBytes else { return false }
        return bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy {
            isValidComponent($0, maxBytes: maxNameBytes)
        }
    }

    /// 64 lowercase hexadecimal digits.
    public static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Why `name` is not a valid artifact name, for error messages.
    public static let nameRule = "1-255 bytes of [A-Za-z0-9._-], not '.' or '..'"
    /// Why a path is not a valid relative path, for error messages.
    public static let relativePathRule = "relative, at most 4096 bytes, components of [A-Za-z0-9._-] other than '.' and '..'"

    private static func isValidComponent<C: Collection<UInt8>>(_ bytes: C, maxBytes: Int) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maxBytes, bytes.allSatisfy(isNameByte) else { return false }
        return !bytes.elementsEqual([UInt8(ascii: ".")]) && !bytes.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
    }
}

extension ArtifactNaming {
    /// `text` made a valid artifact name: every character outside `[A-Za-z0-9._-]` becomes `_`,
    /// the result is cut to 255 bytes, and an empty, `.` or `..` result becomes `artifact`.
    public static func sanitizedName(_ text: String) -> String {
        let name = sanitizedComponent(Substring(text))
        return isValidName(name) ? name : "artifact"
    }

    /// `path` made a valid relative path by sanitizing each component like `sanitizedName`
    /// (empty and `.` components dropped); nil when nothing is left or it is over 4096 bytes.
    public static func sanitizedRelativePath(_ path: String) -> String? {
        let components = path.split(separator: "/").filter { $0 != "." }.map { component -> String in
            let clean = sanitizedComponent(component)
            return isValidName(clean) ? clean : "_"
        }
        let joined = components.joined(separator: "/")
        return isValidRelativePath(joined) ? joined : nil
    }

    private static func sanitizedComponent(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard bytes.count < maxNameBytes else { break }
            if scalar.isASCII, isNameByte(UInt8(scalar.value)) {
                bytes.append(UInt8(scalar.value))
            } else {
                bytes.append(UInt8(ascii: "_"))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
