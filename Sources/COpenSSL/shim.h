// The one place OpenSSL macros become callable from Swift (a systemLibrary target
// compiles no .c file, so each wrapper is a static inline function).
#ifndef FLOTILLA_COPENSSL_SHIM_H
#define FLOTILLA_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/rand.h>
#include <openssl/bn.h>

#endif
