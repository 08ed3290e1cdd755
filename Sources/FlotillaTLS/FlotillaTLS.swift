// FlotillaTLS — the OpenSSL door.
//
// The only module that imports COpenSSL. It gives the rest of Flotilla a sans-I/O TLS 1.3
// engine over memory BIOs (`TLSConfiguration`, `TLSEngine`: socket code only moves bytes;
// mutual authentication against the fleet CA, peer identity from certificate OU/CN), the
// fleet PKI built with OpenSSL's library APIs (`PKI`: CA, coordinator and peer certificates
// on EC P-256 keys), streaming SHA-256 (`SHA256Hasher`) and `secureRandomBytes`. No C
// pointer type appears in its public API; every OpenSSL object is owned by a Swift object
// and freed in its deinit.
