/*
 * ops.c - the figures an operator watches: cases by state, and the open
 * ones past their deadline by state (the queues that are falling behind).
 */
#include "base/err.h"
#include "store/store.h"

int
store_ops_case_counts(struct db *db, int64_t now, store_ops_cb cb, void *ctx)
{
    struct db_stmt *st;
    int rc;

    /* One pass: the overdue count of a closed state is always 0, since a
     * closed case is never open past its deadline. */
    rc = db_prepare(db,
                    "SELECT state, COUNT(*),"
                    " SUM(CASE WHEN due_at IS NOT NULL AND due_at < ?"
                    " AND state IN ('submitted','filed','dispatched',"
                    "'handling','extension_pending','handled')"
                    " THEN 1 ELSE 0 END)"
                    " FROM cases GROUP BY state ORDER BY state",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, now);
    while ((rc = db_step(st)) == DB_ROW)
        cb(db_col_text(st, 0), db_col_int(st, 1), db_col_int(st, 2), ctx);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}
