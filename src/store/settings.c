/*
 * settings.c - the deployment's working rules kept in the database
 * (deadlines per level, duplicate radii, the classifier's threshold ...),
 * read where they are used so that a change needs no restart.
 */
#include "base/err.h"
#include "base/str.h"
#include "store/store.h"

int
store_setting_get(struct db *db, const char *key, char *out, size_t outlen)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db, "SELECT value FROM settings WHERE key = ?", &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, key);
    rc = db_step(st);
    if (rc == DB_ROW && !db_col_null(st, 0))
        str_copy(out, outlen, db_col_text(st, 0));
    else if (rc == DB_ROW || rc == DB_DONE)
        rc = CG_ENOTFOUND;
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc;
}
