/// The fleet's certificate authority on disk: creates the CA and issues peer certificates
/// with OpenSSL's library APIs (no `openssl` command).
///
/// Layout of a PKI directory (mode 0700): `ca.crt`, `ca.key`, `coordinator.crt`,
/// `coordinator.key`, and `<role>-<name>.crt` / `.key` per issued peer. Keys are EC P-256,
/// PKCS#8 PEM, mode 0600; certificates are signed with SHA-256 and carry the peer's role
/// as subject OU and its name as CN, which is what ``TLSEngine`` reads as ``PeerIdentity``.
/// Every file is written to a temporary name and renamed into place, so a crash never
/// leaves half a key behind.
public enum PKI {
    /// Hosts a coordinator certificate names when none are given.
    public static let defaultHosts = ["localhost", "127.0.0.1", "::1"]
    /// Roles a certificate can carry.
    public static let roles: Set<String> = ["coordinator", "agent", "client"]
    /// Name the coordinator created by ``initialize(directory:hosts:overwrite:)`` gets.
    public static let initialCoordinatorName = "coordinator"

    static let leafValidityDays = 825
    static let caValidityDays = 3652

    /// Creates a fleet CA and the coordinator's certificate in `directory`.
    ///
    /// Writes `ca.crt`, `ca.key` (basicConstraints critical CA:TRUE; keyUsage keyCertSign,
    /// cRLSign; CN "Flotilla fleet CA <random suffix>"; 10 years) and `coordinator.crt` /
    /// `coordinator.key` (OU=coordinator, CN=coordinator, subjectAltName = `hosts`). The
    /// directory is created with mode 0700 if missing. Certificates issued by an earlier CA
    /// in the same directory stay on disk but no longer verify after an overwrite.
    ///
    /// - Parameters:
    ///   - directory: where the PKI lives.
    ///   - hosts: DNS names and IPv4/IPv6 literals the coordinator is reached at.
    ///   - overwrite: replace an existing CA. Without it an existing `ca.key` is never touched.
    /// - Throws: ``PKIError/caAlreadyExists(path:)``, ``PKIError/invalidHost(_:)``,
    ///   ``PKIError/noHosts(role:name:)``, ``PKIError/fileSystem(operation:path:errno:)``,
    ///   ``PKIError/openSSL(operation:openSSL:)``.
    public static func initialize(directory: String, hosts: [String] = defaultHosts,
                                  overwrite: Bool = false) throws(PKIError) {
        let coordinator = paths(directory: directory, role: "coordinator", name: initialCoordinatorName)
        let caKeyPath = caKeyPath(directory: directory)
        let subjectAltNames = try parseHosts(hosts, role: "coordinator", name: initialCoordinatorName)
        try PKIFiles.ensureDirectory(directory)
        if !overwrite, PKIFiles.exists(caKeyPath) { throw .caAlreadyExists(path: caKeyPath) }

        let caKey = try OwnedKey.generate()
        let suffix = SHA256Hasher.hex(secureRandomBytes(4))
        let caCertificate = try CertificateBuilder.build(
            subject: [("CN", "Flotilla fleet CA \(suffix)")], publicKey: caKey, kind: .authority,
            subjectAltNames: [], issuer: nil)
        let coordinatorKey = try OwnedKey.generate()
        let coordinatorCertificate = try CertificateBuilder.build(
            subject: [("OU", "coordinator"), ("CN", initialCoordinatorName)], publicKey: coordinatorKey,
            kind: .leaf, subjectAltNames: subjectAltNames, issuer: (caCertificate, caKey))

        // The CA key goes first and, without overwrite, only if still absent: it is the
        // claim on the directory, so two racing initializers cannot mix their files.
        try PKIFiles.writeAtomically(try caKey.privateKeyPEM(), to: caKeyPath, mode: 0o600,
                                     replacing: overwrite)
        try PKIFiles.writeAtomically(try caCertificate.pem(), to: coordinator.ca, mode: 0o644)
        try PKIFiles.writeAtomically(try coordinatorKey.privateKeyPEM(), to: coordinator.key, mode: 0o600)
        try PKIFiles.writeAtomically(try coordinatorCertificate.pem(), to: coordinator.certificate,
                                     mode: 0o644)
    }

    /// Issues a certificate and key for a peer, signed by the CA in `directory`.
    ///
    /// Writes the files ``paths(directory:role:name:)`` names, replacing an earlier
    /// certificate for the same peer (re-issuing is how a peer's certificate is rotated).
    ///
    /// - Parameters:
    ///   - directory: a directory ``initialize(directory:hosts:overwrite:)`` prepared.
    ///   - role: "agent", "client", or "coordinator" for an additional coordinator.
    ///   - name: 1–64 characters of [A-Za-z0-9._-].
    ///   - hosts: subjectAltName entries; required (at least one) for a coordinator.
    /// - Throws: ``PKIError/invalidRole(_:)``, ``PKIError/invalidName(_:reason:)``,
    ///   ``PKIError/invalidHost(_:)``, ``PKIError/noHosts(role:name:)``,
    ///   ``PKIError/cannotLoad(what:path:openSSL:)`` when the CA is missing,
    ///   ``PKIError/caKeyMismatch(certificatePath:keyPath:)``, file-system and OpenSSL errors.
    public static func issue(directory: String, role: String, name: String,
                             hosts: [String] = []) throws(PKIError) {
        guard roles.contains(role) else { throw .invalidRole(role) }
        try validateName(name)
        let subjectAltNames = try parseHosts(hosts, role: role, name: name)
        let target = paths(directory: directory, role: role, name: name)
        let caKeyPath = caKeyPath(directory: directory)
        let caCertificate = try OwnedCertificate.load(path: target.ca)
        let caKey = try OwnedKey.load(path: caKeyPath)
        guard caCertificate.matches(caKey) else {
            throw .caKeyMismatch(certificatePath: target.ca, keyPath: caKeyPath)
        }
        let key = try OwnedKey.generate()
        let certificate = try CertificateBuilder.build(
            subject: [("OU", role), ("CN", name)], publicKey: key, kind: .leaf,
            subjectAltNames: subjectAltNames, issuer: (caCertificate, caKey))
        try PKIFiles.writeAtomically(try key.privateKeyPEM(), to: target.key, mode: 0o600)
        try PKIFiles.writeAtomically(try certificate.pem(), to: target.certificate, mode: 0o644)
    }

    /// Paths PKI writes for a peer: (CA certificate, certificate, private key).
    ///
    /// The initial coordinator (role "coordinator", name "coordinator") uses
    /// `coordinator.crt` / `coordinator.key`; every other peer `<role>-<name>.crt` / `.key`.
    public static func paths(directory: String, role: String, name: String)
        -> (ca: String, certificate: String, key: String)
    {
        let stem = role == "coordinator" && name == initialCoordinatorName ? "coordinator" : "\(role)-\(name)"
        return (ca: join(directory, "ca.crt"), certificate: join(directory, "\(stem).crt"),
                key: join(directory, "\(stem).key"))
    }

    /// Checks a peer name against the naming rule: 1–64 characters of [A-Za-z0-9._-].
    ///
    /// - Throws: ``PKIError/invalidName(_:reason:)``.
    public static func validateName(_ name: String) throws(PKIError) {
        let count = name.utf8.count
        guard count >= 1, count <= 64 else {
            throw .invalidName(name, reason: "must be 1 to 64 characters, got \(count)")
        }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard allowed else { throw .invalidName(name, reason: "only letters, digits, '.', '_' and '-' are allowed") }
        // "." and ".." would make paths that look like directory references in listings.
        guard name != ".", name != ".." else { throw .invalidName(name, reason: "must not be \".\" or \"..\"") }
    }

    static func caKeyPath(directory: String) -> String {
        join(directory, "ca.key")
    }

    private static func join(_ directory: String, _ file: String) -> String {
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }

    private static func parseHosts(_ hosts: [String], role: String, name: String) throws(PKIError)
        -> [SubjectAltName]
    {
        if role == "coordinator", hosts.isEmpty { throw .noHosts(role: role, name: name) }
        var names: [SubjectAltName] = []
        for host in hosts {
            var bare = host
            if bare.hasPrefix("["), bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
            if HostName.isIPLiteral(bare) {
                names.append(.ipAddress(bare))
            } else if HostName.isDNSName(bare) {
                names.append(.dnsName(bare))
            } else {
                throw .invalidHost(host)
            }
        }
        return names
    }
}

/// One subjectAltName entry of a leaf certificate.
enum SubjectAltName: Equatable {
    case dnsName(String)
    case ipAddress(String)
}
