/*
 * stats.c - counting cases as of a moment.
 *
 * Each case's state, deadline, close time and rating at the moment are
 * read from its events (the last event at or before the moment), never
 * from the current row, so "as of last December" gives December's figures.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "core/metrics.h"
#include "store/store.h"

/* Per-case snapshot at ?1 (the moment).  Later parameters filter. */
#define SNAPSHOT                                                               \
    "WITH snap AS (SELECT c.id, c.reported_at, c.area_path,"                   \
    " c.category_code, c.unit_id,"                                             \
    " (SELECT e.to_state FROM events e WHERE e.case_id = c.id"                 \
    "  AND e.at <= ?1 ORDER BY e.seq DESC LIMIT 1) AS st,"                     \
    " (SELECT e.due_at FROM events e WHERE e.case_id = c.id"                   \
    "  AND e.at <= ?1 AND e.due_at IS NOT NULL"                                \
    "  ORDER BY e.seq DESC LIMIT 1) AS due,"                                   \
    " (SELECT e.at FROM events e WHERE e.case_id = c.id AND e.at <= ?1"        \
    "  AND e.to_state = 'closed' AND COALESCE(e.from_state, '') <> 'closed'"   \
    "  ORDER BY e.seq DESC LIMIT 1) AS closed_at,"                             \
    " (SELECT e.rating FROM events e WHERE e.case_id = c.id"                   \
    "  AND e.at <= ?1 AND e.action IN ('rate', 'reopen')"                      \
    "  ORDER BY e.seq DESC LIMIT 1) AS rating,"                                \
    " CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id"         \
    "  AND e.at <= ?1 AND e.action IN ('handle', 'self_handle'))"              \
    "  THEN 1 ELSE 0 END AS hd,"                                               \
    " CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id"         \
    "  AND e.at <= ?1 AND e.action = 'rework') THEN 1 ELSE 0 END AS rw"        \
    " FROM cases c WHERE c.reported_at <= ?1"                                  \
    " AND (CAST(?2 AS TEXT) IS NULL"                                           \
    "  OR substr(c.area_path, 1, length(?2)) = ?2)"                            \
    " AND (CAST(?3 AS TEXT) IS NULL"                                           \
    "  OR substr(c.category_code, 1, length(?3)) = ?3)"                        \
    " AND (?4 = 0 OR c.unit_id = ?4)"                                          \
    " AND (?5 = 0 OR c.reported_at >= ?5)"                                     \
    " AND (?6 = 0 OR c.reported_at < ?6))"

#define OPEN_AT "st NOT IN ('closed','rejected','withdrawn','merged')"

/* Counts are sums of 1s and 0s: PostgreSQL does not add up booleans. */
#define COUNTS                                                                 \
    " SUM(CASE WHEN st NOT IN ('withdrawn','merged') THEN 1 ELSE 0 END),"      \
    " SUM(CASE WHEN st = 'withdrawn' THEN 1 ELSE 0 END),"                      \
    " SUM(CASE WHEN st = 'merged' THEN 1 ELSE 0 END),"                         \
    " SUM(CASE WHEN st = 'rejected' THEN 1 ELSE 0 END),"                       \
    " SUM(CASE WHEN st = 'closed' THEN 1 ELSE 0 END),"                         \
    " SUM(CASE WHEN st = 'closed' AND due IS NOT NULL AND closed_at <= due "   \
    "THEN 1 ELSE 0 END),"                                                      \
    " SUM(CASE WHEN " OPEN_AT " THEN 1 ELSE 0 END),"                           \
    " SUM(CASE WHEN " OPEN_AT                                                  \
    " AND due IS NOT NULL AND due < ?1 THEN 1 ELSE 0 END),"                    \
    " SUM(hd), SUM(rw),"                                                       \
    " SUM(CASE WHEN st = 'closed' AND rating IS NOT NULL THEN 1 ELSE 0 END),"  \
    " SUM(CASE WHEN st = 'closed' AND rating = 'satisfied' THEN 1 ELSE 0 "     \
    "END),"                                                                    \
    " SUM(CASE WHEN st = 'closed' AND rating = 'basically_satisfied' THEN 1 "  \
    "ELSE 0 END),"                                                             \
    " SUM(CASE WHEN st = 'closed' AND rating = 'unsatisfied' THEN 1 ELSE 0 "   \
    "END),"                                                                    \
    " COALESCE(SUM(CASE WHEN st = 'closed'"                                    \
    "  THEN (closed_at - reported_at) / 3600.0 END), 0)"

static void
counts_from_row(struct db_stmt *st, int first, struct metric_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->reported = db_col_int(st, first + 0);
    c->withdrawn = db_col_int(st, first + 1);
    c->merged = db_col_int(st, first + 2);
    c->rejected = db_col_int(st, first + 3);
    c->closed = db_col_int(st, first + 4);
    c->closed_on_time = db_col_int(st, first + 5);
    c->open = db_col_int(st, first + 6);
    c->overdue = db_col_int(st, first + 7);
    c->handled = db_col_int(st, first + 8);
    c->reworked = db_col_int(st, first + 9);
    c->rated = db_col_int(st, first + 10);
    c->satisfied = db_col_int(st, first + 11);
    c->basically_satisfied = db_col_int(st, first + 12);
    c->unsatisfied = db_col_int(st, first + 13);
    c->close_hours_sum = db_col_double(st, first + 14);
}

int
store_stats(struct db *db, const struct stats_query *q, const char *by,
            stats_row_cb cb, void *ctx)
{
    struct metric_counts counts;
    struct db_stmt *st;
    struct buf sql;
    int rc;

    buf_init(&sql, 16384);
    buf_puts(&sql, SNAPSHOT " SELECT ");
    if (!by)
        buf_puts(&sql, "''");
    else if (strcmp(by, "area") == 0)
        /* The path segment right below the filter area. */
        buf_printf(&sql,
                   "substr(area_path, length(COALESCE(?2, '/')) + 1,"
                   " %s(substr(area_path, length(COALESCE(?2, '/'))"
                   " + 1), '/') - 1)",
                   db_dialect_strpos(db));
    else if (strcmp(by, "category") == 0)
        buf_puts(&sql, "CASE WHEN length(COALESCE(?3, '')) = 2"
                       " THEN category_code ELSE substr(category_code, 1, 2)"
                       " END");
    else if (strcmp(by, "unit") == 0)
        buf_puts(&sql, "CAST(COALESCE(unit_id, 0) AS TEXT)");
    else {
        rc = CG_EINVAL;
        goto out;
    }
    buf_puts(&sql, " AS grp," COUNTS " FROM snap WHERE st IS NOT NULL");
    if (by)
        buf_puts(&sql, " GROUP BY grp ORDER BY grp");
    rc = db_prepare(db, sql.data, &st);
    if (rc != CG_OK)
        goto out;
    db_bind_int(st, 1, q->as_of);
    db_bind_text(st, 2, q->area_path);
    db_bind_text(st, 3, q->category);
    db_bind_int(st, 4, q->unit_id);
    db_bind_int(st, 5, q->from);
    db_bind_int(st, 6, q->to);
    while ((rc = db_step(st)) == DB_ROW) {
        if (!by && db_col_null(st, 1)) {
            memset(&counts, 0, sizeof(counts));
        } else {
            counts_from_row(st, 1, &counts);
        }
        rc = cb(db_col_text(st, 0) ? db_col_text(st, 0) : "", &counts, ctx);
        if (rc != CG_OK)
            break;
    }
    db_finalize(st);
    if (rc == DB_DONE)
        rc = CG_OK;
out:
    buf_free(&sql);
    return rc;
}
