internal import COpenSSL

/// An EVP_PKEY this module owns; freed when the last reference goes, so no throw path leaks it.
final class OwnedKey {
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// A fresh EC P-256 key.
    static func generate() throws(PKIError) -> OwnedKey {
        OpenSSLErrorStack.clear()
        guard let key = flotilla_EVP_EC_gen("P-256") else {
            throw .openSSL(operation: "EVP_EC_gen(P-256)", openSSL: OpenSSLErrorStack.drain())
        }
        return OwnedKey(key)
    }

    /// Reads a PEM private key.
    static func load(path: String) throws(PKIError) -> OwnedKey {
        OpenSSLErrorStack.clear()
        guard let bio = BIO_new_file(path, "r") else {
            throw .cannotLoad(what: "private key", path: path, openSSL: OpenSSLErrorStack.drain())
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw .cannotLoad(what: "private key", path: path, openSSL: OpenSSLErrorStack.drain())
        }
        return OwnedKey(key)
    }

    /// The key as unencrypted PKCS#8 PEM.
    func privateKeyPEM() throws(PKIError) -> [UInt8] {
        try MemoryPEM.write(operation: "PEM_write_bio_PrivateKey") { bio in
            PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil)
        }
    }
}

/// An X509 this module owns.
final class OwnedCertificate {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(pointer)
    }

    /// Reads the first PEM certificate in a file.
    static func load(path: String) throws(PKIError) -> OwnedCertificate {
        OpenSSLErrorStack.clear()
        guard let bio = BIO_new_file(path, "r") else {
            throw .cannotLoad(what: "certificate", path: path, openSSL: OpenSSLErrorStack.drain())
        }
        defer { BIO_free(bio) }
        guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else {
            throw .cannotLoad(what: "certificate", path: path, openSSL: OpenSSLErrorStack.drain())
        }
        return OwnedCertificate(certificate)
    }

    /// True when `key` is the private half of this certificate's public key.
    func matches(_ key: OwnedKey) -> Bool {
        defer { OpenSSLErrorStack.clear() }
        return X509_check_private_key(pointer, key.pointer) == 1
    }

    /// The certificate as PEM.
    func pem() throws(PKIError) -> [UInt8] {
        try MemoryPEM.write(operation: "PEM_write_bio_X509") { bio in
            PEM_write_bio_X509(bio, pointer)
        }
    }
}

/// Renders PEM into a memory BIO and copies it out.
enum MemoryPEM {
    static func write(operation: String, _ body: (OpaquePointer) -> Int32) throws(PKIError) -> [UInt8] {
        OpenSSLErrorStack.clear()
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .openSSL(operation: "BIO_new", openSSL: OpenSSLErrorStack.drain())
        }
        defer { BIO_free(bio) }
        guard body(bio) == 1 else {
            throw .openSSL(operation: operation, openSSL: OpenSSLErrorStack.drain())
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = flotilla_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else {
            throw .openSSL(operation: operation, openSSL: "empty output")
        }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            Array(UnsafeBufferPointer(start: bytes, count: length))
        }
    }
}
