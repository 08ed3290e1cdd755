// The one place OpenSSL macros become callable from Swift (a systemLibrary target
// compiles no .c file, so each wrapper is a static inline function).
// Only the FlotillaTLS module imports this header.
#ifndef FLOTILLA_COPENSSL_SHIM_H
#define FLOTILLA_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>

// MARK: SSL_CTX / SSL (these are SSL_CTX_ctrl / SSL_ctrl macros)

static inline int flotilla_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int flotilla_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

/// SSL_OP_NO_TICKET is built with SSL_OP_BIT, which Swift does not import.
static inline uint64_t flotilla_SSL_OP_NO_TICKET(void) {
    return SSL_OP_NO_TICKET;
}

static inline long flotilla_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline long flotilla_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline int flotilla_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// MARK: BIO

static inline int flotilla_BIO_set_mem_eof_return(BIO *bio, int value) {
    return (int)BIO_set_mem_eof_return(bio, value);
}

static inline long flotilla_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

// MARK: Keys

/// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen, which Swift cannot call.
static inline EVP_PKEY *flotilla_EVP_EC_gen(const char *curve) {
    return EVP_EC_gen(curve);
}

// MARK: Memory and stacks

static inline void flotilla_OPENSSL_free(void *pointer) {
    OPENSSL_free(pointer);
}

static inline GENERAL_NAMES *flotilla_GENERAL_NAMES_new_null(void) {
    return sk_GENERAL_NAME_new_null();
}

static inline int flotilla_GENERAL_NAMES_push(GENERAL_NAMES *names, GENERAL_NAME *name) {
    return sk_GENERAL_NAME_push(names, name);
}

#endif
