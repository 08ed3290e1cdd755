internal import COpenSSL

/// Builds and signs X.509 v3 certificates for the fleet.
enum CertificateBuilder {
    enum Kind {
        /// The self-signed fleet CA.
        case authority
        /// A peer certificate (coordinator, agent or client), usable for both TLS ends.
        case leaf
    }

    /// Creates a certificate for `publicKey` with the given subject entries, signed by
    /// `issuer` (or self-signed when `issuer` is nil) with SHA-256.
    ///
    /// Serial: 128 random bits (positive). Validity: one hour back (clock skew between
    /// machines) to 825 days ahead for leaves, 10 years for the CA.
    static func build(subject: [(field: String, value: String)], publicKey: OwnedKey, kind: Kind,
                      subjectAltNames: [SubjectAltName],
                      issuer: (certificate: OwnedCertificate, key: OwnedKey)?) throws(PKIError)
        -> OwnedCertificate
    {
        OpenSSLErrorStack.clear()
        guard let raw = X509_new() else { throw failure("X509_new") }
        let certificate = OwnedCertificate(raw)

        guard X509_set_version(raw, Int(X509_VERSION_3)) == 1 else { throw failure("X509_set_version") }
        try setRandomSerial(raw)
        let days = kind == .authority ? PKI.caValidityDays : PKI.leafValidityDays
        guard X509_gmtime_adj(X509_getm_notBefore(raw), -3600) != nil,
              X509_time_adj_ex(X509_getm_notAfter(raw), Int32(days), 0, nil) != nil
        else { throw failure("X509 validity") }

        guard let name = X509_get_subject_name(raw) else { throw failure("X509_get_subject_name") }
        for (field, value) in subject {
            let added = value.utf8CString.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UInt8.self) { bytes in
                    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes.baseAddress, -1, -1, 0)
                }
            }
            guard added == 1 else { throw failure("X509_NAME_add_entry_by_txt(\(field))") }
        }
        let issuerName = issuer.map { X509_get_subject_name($0.certificate.pointer) } ?? name
        guard X509_set_issuer_name(raw, issuerName) == 1 else { throw failure("X509_set_issuer_name") }
        guard X509_set_pubkey(raw, publicKey.pointer) == 1 else { throw failure("X509_set_pubkey") }

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.certificate.pointer ?? raw, raw, nil, nil, 0)
        switch kind {
        case .authority:
            try addExtension(NID_basic_constraints, "critical,CA:TRUE", to: raw, context: &context)
            try addExtension(NID_key_usage, "critical,keyCertSign,cRLSign", to: raw, context: &context)
        case .leaf:
            try addExtension(NID_basic_constraints, "critical,CA:FALSE", to: raw, context: &context)
            try addExtension(NID_key_usage, "critical,digitalSignature", to: raw, context: &context)
            // Both purposes: a coordinator also dials out, and one certificate per peer is simpler.
            try addExtension(NID_ext_key_usage, "serverAuth,clientAuth", to: raw, context: &context)
        }
        // The subject key identifier must exist before the authority key identifier of a
        // self-signed certificate can copy it.
        try addExtension(NID_subject_key_identifier, "hash", to: raw, context: &context)
        try addExtension(NID_authority_key_identifier, "keyid:always", to: raw, context: &context)
        if !subjectAltNames.isEmpty {
            try addSubjectAltNames(subjectAltNames, to: raw)
        }

        let signer = issuer?.key ?? publicKey
        guard X509_sign(raw, signer.pointer, EVP_sha256()) > 0 else { throw failure("X509_sign") }
        return certificate
    }

    private static func failure(_ operation: String) -> PKIError {
        .openSSL(operation: operation, openSSL: OpenSSLErrorStack.drain())
    }

    private static func setRandomSerial(_ certificate: OpaquePointer) throws(PKIError) {
        var bytes = secureRandomBytes(16)
        bytes[0] &= 0x7F  // positive; RFC 5280 serials are at most 20 octets
        bytes[15] |= 0x01  // never zero
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw failure("BN_bin2bn") }
        defer { BN_free(number) }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil else {
            throw failure("BN_to_ASN1_INTEGER")
        }
    }

    private static func addExtension(_ nid: Int32, _ value: String, to certificate: OpaquePointer,
                                     context: inout X509V3_CTX) throws(PKIError) {
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw failure("X509V3_EXT_conf_nid(\(String(cString: OBJ_nid2sn(nid))), \(value))")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(certificate, ext, -1) == 1 else { throw failure("X509_add_ext") }
    }

    /// Builds the subjectAltName from parsed values rather than a config string, so no host
    /// text is ever interpreted by OpenSSL's config parser.
    private static func addSubjectAltNames(_ entries: [SubjectAltName],
                                           to certificate: OpaquePointer) throws(PKIError) {
        guard let names = flotilla_GENERAL_NAMES_new_null() else { throw failure("sk_GENERAL_NAME_new_null") }
        defer { GENERAL_NAMES_free(names) }
        for entry in entries {
            guard let name = GENERAL_NAME_new() else { throw failure("GENERAL_NAME_new") }
            switch entry {
            case let .ipAddress(text):
                guard let address = a2i_IPADDRESS(text) else {
                    GENERAL_NAME_free(name)
                    throw failure("a2i_IPADDRESS(\(text))")
                }
                GENERAL_NAME_set0_value(name, GEN_IPADD, address)
            case let .dnsName(text):
                guard let string = ASN1_IA5STRING_new() else {
                    GENERAL_NAME_free(name)
                    throw failure("ASN1_IA5STRING_new")
                }
                let bytes = Array(text.utf8)
                guard ASN1_STRING_set(string, bytes, Int32(bytes.count)) == 1 else {
                    ASN1_IA5STRING_free(string)
                    GENERAL_NAME_free(name)
                    throw failure("ASN1_STRING_set")
                }
                GENERAL_NAME_set0_value(name, GEN_DNS, string)
            }
            guard flotilla_GENERAL_NAMES_push(names, name) > 0 else {
                GENERAL_NAME_free(name)
                throw failure("sk_GENERAL_NAME_push")
            }
        }
        guard X509_add1_ext_i2d(certificate, NID_subject_alt_name, UnsafeMutableRawPointer(names), 0,
                                UInt(X509V3_ADD_DEFAULT)) == 1
        else { throw failure("X509_add1_ext_i2d(subjectAltName)") }
    }
}
