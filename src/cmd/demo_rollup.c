/*
 * demo_rollup.c - the statistics' rollups of a bulk load, added up in
 * memory.
 *
 * The schema keeps stats_day and stats_month by triggers that take a
 * case's share out and put it back at every change (stats_sql.h).  A bulk
 * load sets those triggers aside and writes each case once, with the
 * stat_* columns the triggers would have given it.  Adding the rollups up
 * again afterwards with the schema's GROUP BY over every case took a
 * quarter of a million cases' load: it reads all the rows once more,
 * works out each one's street and month in SQL and sorts them.  The load
 * knows each case's share as it makes it, so it keeps them here, sorts
 * them by each rollup's key and adds every group to the rows already
 * there.
 *
 * A case's share is the one stats_sql.h defines (STATS_CASE_COUNTS,
 * STATS_CASE_DONE), and its keys those of the view stats_cases: the day
 * and month of the report in Beijing time, the street as the area path
 * cut after its fourth '/'.  tests/api/test_demo_load.py holds the
 * rollups a load writes equal to that view added up.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/demo_rollup.h"
#include "store/db.h"

#define BEIJING  (8 * 3600)
#define MAX_ROWS 512 /* groups written by one statement */
#define NSHARES  13  /* the counts of a share, close_seconds apart */
#define KEY_COLS 4
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The rollups' counts, in their columns' order; close_seconds is last. */
static const char *const count_cols[] = {
    "reported",    "withdrawn",      "merged",    "rejected",
    "closed",      "closed_on_time", "open",      "handled",
    "reworked",    "rated",          "satisfied", "basically_satisfied",
    "unsatisfied", "close_seconds",
};

struct rollup_row {
    const char *path, *category;
    int64_t unit_id, close_seconds;
    int32_t day, month;
    uint16_t street_len; /* of path, up to its street */
    uint8_t n[NSHARES];
};

/* What both rollups are keyed by: the day's key, or the month's. */
struct rollup_key {
    const char *table;
    const char *cols[KEY_COLS];
    int (*cmp)(const void *, const void *);
};

static size_t street_len(const char *path);
static int32_t month_of(int64_t reported_at);
static int by_day(const void *a, const void *b);
static int by_month(const void *a, const void *b);
static int write_table(struct rollup *r, struct db *db,
                       const struct rollup_key *k);
static int prepare_upsert(struct db *db, const struct rollup_key *k,
                          size_t rows, struct db_stmt **out);
static void bind_group(struct db_stmt *st, int at, const struct rollup_key *k,
                       const struct rollup_row *first, const int64_t *sums);

static const struct rollup_key day_key = {
    "stats_day", {"area_path", "category_code", "unit_id", "day"}, by_day};
static const struct rollup_key month_key = {
    "stats_month", {"street_path", "big_class", "unit_id", "month"}, by_month};

void
rollup_add(struct rollup *r, const struct rollup_case *c)
{
    struct rollup_row *w;
    enum case_state s = c->state;
    bool closed = s == ST_CLOSED;

    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4096;
        r->rows = xrealloc(r->rows, r->cap * sizeof(*r->rows));
    }
    w = &r->rows[r->n++];
    memset(w, 0, sizeof(*w));
    w->path = c->area_path;
    w->category = c->category;
    w->unit_id = c->unit_id;
    w->day = (int32_t)((c->reported_at + BEIJING) / (24 * 3600));
    w->month = month_of(c->reported_at);
    w->street_len = (uint16_t)street_len(c->area_path);
    w->n[0] = s != ST_WITHDRAWN && s != ST_MERGED;
    w->n[1] = s == ST_WITHDRAWN;
    w->n[2] = s == ST_MERGED;
    w->n[3] = s == ST_REJECTED;
    w->n[4] = closed;
    w->n[5] = closed && c->due_at && c->closed_at && c->closed_at <= c->due_at;
    w->n[6] =
        !closed && s != ST_REJECTED && s != ST_WITHDRAWN && s != ST_MERGED;
    w->n[7] = c->handled;
    w->n[8] = c->reworked;
    w->n[9] = closed && c->rating != RATING_NONE;
    w->n[10] = closed && c->rating == RATING_SATISFIED;
    w->n[11] = closed && c->rating == RATING_BASIC;
    w->n[12] = closed && c->rating == RATING_UNSATISFIED;
    if (closed && c->closed_at)
        w->close_seconds = c->closed_at - c->reported_at;
}

int
rollup_write(struct rollup *r, struct db *db)
{
    int rc = write_table(r, db, &day_key);

    return rc == CG_OK ? write_table(r, db, &month_key) : rc;
}

void
rollup_free(struct rollup *r)
{
    free(r->rows);
    memset(r, 0, sizeof(*r));
}

/* The street's part of an area path: up to its fourth '/' when there are
 * more than four, else the whole (a case on a street or above). */
static size_t
street_len(const char *path)
{
    size_t i, slashes = 0, fourth = 0;

    for (i = 0; path[i]; i++)
        if (path[i] == '/' && ++slashes == 4)
            fourth = i + 1;
    return slashes > 4 ? fourth : i;
}

/* The month of an instant in Beijing time, as 202611. */
static int32_t
month_of(int64_t reported_at)
{
    time_t t = (time_t)(reported_at + BEIJING);
    struct tm tm;

    gmtime_r(&t, &tm);
    return (int32_t)((tm.tm_year + 1900) * 100 + tm.tm_mon + 1);
}

static int
cmp_int(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* Text compared as SQLite's BINARY collation does: bytes, then length. */
static int
cmp_text(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    return c ? c : cmp_int((int64_t)alen, (int64_t)blen);
}

static int
by_day(const void *pa, const void *pb)
{
    const struct rollup_row *a = pa, *b = pb;
    int c = a->path == b->path
                ? 0
                : cmp_text(a->path, strlen(a->path), b->path, strlen(b->path));

    if (!c && a->category != b->category)
        c = strcmp(a->category, b->category);
    if (!c)
        c = cmp_int(a->unit_id, b->unit_id);
    return c ? c : cmp_int(a->day, b->day);
}

static int
by_month(const void *pa, const void *pb)
{
    const struct rollup_row *a = pa, *b = pb;
    int c = cmp_text(a->path, a->street_len, b->path, b->street_len);

    if (!c)
        c = cmp_text(a->category, strnlen(a->category, 2), b->category,
                     strnlen(b->category, 2));
    if (!c)
        c = cmp_int(a->unit_id, b->unit_id);
    return c ? c : cmp_int(a->month, b->month);
}

/* Sorts the shares by k, adds up each group and adds it to k's table. */
static int
write_table(struct rollup *r, struct db *db, const struct rollup_key *k)
{
    struct db_stmt *many = NULL, *one = NULL, *st;
    int64_t sums[MAX_ROWS][NSHARES + 1];
    const struct rollup_row *first[MAX_ROWS];
    size_t i = 0, j, g, ngroups;
    int rc;

    if (r->n == 0)
        return CG_OK;
    qsort(r->rows, r->n, sizeof(*r->rows), k->cmp);
    rc = prepare_upsert(db, k, MAX_ROWS, &many);
    if (rc == CG_OK)
        rc = prepare_upsert(db, k, 1, &one);
    while (rc == CG_OK && i < r->n) {
        /* Up to MAX_ROWS groups, each the run of shares of one key. */
        for (ngroups = 0; ngroups < MAX_ROWS && i < r->n; ngroups++) {
            int64_t *s = sums[ngroups];

            first[ngroups] = &r->rows[i];
            memset(s, 0, sizeof(sums[0]));
            for (; i < r->n && k->cmp(first[ngroups], &r->rows[i]) == 0; i++) {
                for (j = 0; j < NSHARES; j++)
                    s[j] += r->rows[i].n[j];
                s[NSHARES] += r->rows[i].close_seconds;
            }
        }
        for (g = 0; rc == CG_OK && g < ngroups;) {
            size_t take = ngroups - g == MAX_ROWS ? MAX_ROWS : 1;

            st = take > 1 ? many : one;
            db_reset(st);
            for (j = 0; j < take; j++)
                bind_group(st, (int)(j * (KEY_COLS + NELEM(count_cols))), k,
                           first[g + j], sums[g + j]);
            if ((rc = db_step(st)) == DB_DONE)
                rc = CG_OK;
            else if (rc >= 0)
                rc = CG_EDB;
            g += take;
        }
    }
    db_finalize(many);
    db_finalize(one);
    return rc;
}

/* INSERT INTO k's table of `rows` groups, each added to the row of its
 * key when there is one. */
static int
prepare_upsert(struct db *db, const struct rollup_key *k, size_t rows,
               struct db_stmt **out)
{
    size_t ncols = KEY_COLS + NELEM(count_cols), r, c;
    struct buf sql;
    int rc;

    buf_init(&sql, 4096 + rows * ncols * 2);
    rc = buf_printf(&sql, "INSERT INTO %s (%s, %s, %s, %s", k->table,
                    k->cols[0], k->cols[1], k->cols[2], k->cols[3]);
    for (c = 0; c < NELEM(count_cols); c++)
        rc |= buf_printf(&sql, ", %s", count_cols[c]);
    rc |= buf_puts(&sql, ") VALUES ");
    for (r = 0; r < rows; r++)
        for (c = 0; c < ncols; c++)
            rc |= buf_puts(&sql, c ? ",?" : r ? "),(?" : "(?");
    rc |= buf_printf(&sql, ") ON CONFLICT (%s, %s, %s, %s) DO UPDATE SET",
                     k->cols[0], k->cols[1], k->cols[2], k->cols[3]);
    for (c = 0; c < NELEM(count_cols); c++)
        rc |= buf_printf(&sql, "%s %s = %s.%s + excluded.%s", c ? "," : "",
                         count_cols[c], k->table, count_cols[c], count_cols[c]);
    rc = rc == CG_OK ? db_prepare(db, sql.data, out) : CG_ENOMEM;
    buf_free(&sql);
    return rc;
}

/* Binds the group that begins with row first, its sums, from parameter
 * at + 1 on. */
static void
bind_group(struct db_stmt *st, int at, const struct rollup_key *k,
           const struct rollup_row *first, const int64_t *sums)
{
    char street[512], big[3];
    size_t j;

    if (k == &day_key) {
        db_bind_text(st, at + 1, first->path);
        db_bind_text(st, at + 2, first->category);
        db_bind_int(st, at + 4, first->day);
    } else {
        str_fmt(street, sizeof(street), "%.*s", (int)first->street_len,
                first->path);
        str_fmt(big, sizeof(big), "%.2s", first->category);
        db_bind_text(st, at + 1, street);
        db_bind_text(st, at + 2, big);
        db_bind_int(st, at + 4, first->month);
    }
    db_bind_int(st, at + 3, first->unit_id);
    for (j = 0; j <= NSHARES; j++)
        db_bind_int(st, at + KEY_COLS + 1 + (int)j, sums[j]);
}
