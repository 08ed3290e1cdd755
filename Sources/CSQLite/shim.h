// The SQLite door. SQLITE_TRANSIENT is a macro casting -1 to a destructor pointer, which
// Swift cannot import; the wrapper gives it a callable form.
#ifndef FLOTILLA_CSQLITE_SHIM_H
#define FLOTILLA_CSQLITE_SHIM_H
#include <sqlite3.h>

static inline sqlite3_destructor_type flotilla_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
