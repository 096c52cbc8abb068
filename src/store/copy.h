/*
 * copy.h - a whole deployment copied into another database, and verified
 * table by table (copy.c).
 */
#ifndef CG_STORE_COPY_H
#define CG_STORE_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Told after each table is copied (verified false: rows copied) and again
 * when it is verified (rows and checksum, the same on both sides). */
typedef void (*store_copy_cb)(const char *table, int64_t rows, uint64_t sum,
                              bool verified, void *ctx);

/*
 * Copies every table of from into to, which has the same schema version;
 * to is emptied first, in the same transaction.  to_pg: the target is
 * PostgreSQL, whose id counters are moved past the copied ids.  CG_OK when
 * every table has the same rows on both sides; else an error, with the
 * reason in err (a failed copy leaves the target as it was; a copy that
 * does not verify is committed and named).
 */
int store_copy(struct db *from, struct db *to, bool to_pg, store_copy_cb cb,
               void *ctx, char *err, size_t errlen);

#endif
