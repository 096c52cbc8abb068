/*
 * throttle.c - failed sign-ins per account, counted in the database so
 * that all server processes of a deployment count them together.  The
 * policy (how many, for how long) is auth's; this only keeps the count.
 */
#include "base/err.h"
#include "store/store.h"

int
store_throttle_get(struct db *db, const char *key, int64_t *since,
                   int64_t *failures)
{
    struct db_stmt *st;
    int rc;

    *since = *failures = 0;
    rc = db_prepare(
        db, "SELECT since, failures FROM signin_failures WHERE key = ?", &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, key);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *since = db_col_int(st, 0);
        *failures = db_col_int(st, 1);
    }
    db_finalize(st);
    return rc == DB_ROW || rc == DB_DONE ? CG_OK : rc;
}

int
store_throttle_fail(struct db *db, const char *key, int64_t now, int64_t window)
{
    struct db_stmt *st;
    int rc;

    /* A count older than the window starts again at one. */
    rc = db_prepare(db,
                    "INSERT INTO signin_failures (key, since, failures)"
                    " VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET"
                    " failures = CASE WHEN signin_failures.since < ?"
                    " THEN 1 ELSE signin_failures.failures + 1 END,"
                    " since = CASE WHEN signin_failures.since < ?"
                    " THEN ? ELSE signin_failures.since END",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, key);
    db_bind_int(st, 2, now);
    db_bind_int(st, 3, now - window);
    db_bind_int(st, 4, now - window);
    db_bind_int(st, 5, now);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

int
store_throttle_clear(struct db *db, const char *key)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db, "DELETE FROM signin_failures WHERE key = ?", &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, key);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}
