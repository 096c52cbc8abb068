/*
 * copy.c - a whole deployment copied from one database to another (a
 * service center's SQLite file into the PostgreSQL of a city), and the
 * proof that the copy is whole.
 *
 * The target has the schema already and is emptied first, in the same
 * transaction as the copy, so that a copy that fails leaves it as it was.
 * Rows keep their ids.  Columns that point into their own table (an area's
 * parent, a category's big class, a merged case's parent) are written in
 * a second pass, so that no row needs another that is not there yet.
 * Afterwards each table is compared: its row count, and a checksum over
 * its rows that does not depend on their order (the sum of a 64-bit hash
 * of each row's values, read by the kind of each column).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/copy.h"

/* Parents before children; the order of a table's rows keeps the order of
 * things that have no id of their own (an event's photos). */
static const struct table {
    const char *name;
    const char *order;
    const char *self; /* a column pointing into the same table, or NULL */
    bool id;          /* an integer id the database hands out */
} tables[] = {
    {"areas", "code", "parent", false},
    {"units", "id", NULL, true},
    {"categories", "code", "parent", false},
    {"users", "id", NULL, true},
    {"sessions", "1", NULL, false},
    {"cases", "id", "parent_id", true},
    {"events", "id", NULL, true},
    {"photos", "hash", NULL, false},
    {"event_photos", "rowid", NULL, false},
    {"idempotency", "user_id, key", NULL, false},
    {"pii_access", "id", NULL, true},
    {"settings", "key", NULL, false},
    {"routing_rules", "id", NULL, true},
    {"supporters", "case_id, user_id", NULL, false},
    {"models", "id", NULL, true},
    {"api_clients", "id", NULL, true},
    {"open311_requests", "case_id", NULL, false},
    {"open311_updates", "client_id, update_id", NULL, false},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* Rows a statement takes, within the parameters both databases allow in
 * one statement (SQLite 32,766; PostgreSQL 65,535). */
#define COPY_BATCH  500
#define COPY_PARAMS 30000

/* The columns of a table as the source has them. */
struct cols {
    int n;
    char names[48][64];
    char kind[48];
    int self; /* index of the self-pointing column, or -1 */
};

static int read_cols(struct db *db, const struct table *t, struct cols *c);
static int prepare_insert(struct db *to, const struct table *t,
                          const struct cols *c, int rows, struct db_stmt **out);
static int copy_table(struct db *from, struct db *to, const struct table *t,
                      const struct cols *c, int64_t *rows);
static int checksum(struct db *db, const struct table *t, const struct cols *c,
                    int64_t *rows, uint64_t *sum);
static uint64_t fnv(uint64_t h, const void *p, size_t n);
static void col_list(struct buf *b, const struct cols *c);

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void
col_list(struct buf *b, const struct cols *c)
{
    int i;

    for (i = 0; i < c->n; i++)
        buf_printf(b, "%s%s", i ? ", " : "", c->names[i]);
}

/* Names and kinds of the columns, from one row of the source; n is 0 for
 * an empty table, which then needs nothing. */
static int
read_cols(struct db *db, const struct table *t, struct cols *c)
{
    struct db_stmt *st;
    char sql[200];
    int rc, i;

    memset(c, 0, sizeof(*c));
    c->self = -1;
    str_fmt(sql, sizeof(sql), "SELECT * FROM %s LIMIT 1", t->name);
    if ((rc = db_prepare(db, sql, &st)) != CG_OK)
        return rc;
    rc = db_step(st);
    if (rc == DB_ROW) {
        c->n = db_col_count(st);
        if (c->n > (int)(sizeof(c->kind))) {
            db_finalize(st);
            return CG_ETOOBIG;
        }
        for (i = 0; i < c->n; i++) {
            str_copy(c->names[i], sizeof(c->names[i]), db_col_name(st, i));
            c->kind[i] = db_col_kind(st, i);
            if (t->self && strcmp(c->names[i], t->self) == 0)
                c->self = i;
        }
        rc = CG_OK;
    } else if (rc == DB_DONE)
        rc = CG_OK;
    db_finalize(st);
    return rc;
}

static int
bind_value(struct db_stmt *ins, int at, struct db_stmt *row, int i, char kind)
{
    const void *p;
    size_t len;

    if (db_col_null(row, i))
        return db_bind_null(ins, at);
    switch (kind) {
    case 'i':
        return db_bind_int(ins, at, db_col_int(row, i));
    case 'r':
        return db_bind_double(ins, at, db_col_double(row, i));
    case 'b':
        p = db_col_blob(row, i, &len);
        return db_bind_blob(ins, at, p ? p : "", len);
    default:
        return db_bind_text(ins, at, db_col_text(row, i));
    }
}

/* The INSERT of `rows` rows of table t in one statement. */
static int
prepare_insert(struct db *to, const struct table *t, const struct cols *c,
               int rows, struct db_stmt **out)
{
    struct buf q;
    int i, k, rc;

    buf_init(&q, 1 << 20);
    buf_printf(&q, "INSERT INTO %s (", t->name);
    col_list(&q, c);
    buf_puts(&q, ") VALUES ");
    for (k = 0; k < rows; k++) {
        buf_puts(&q, k ? ", (" : "(");
        for (i = 0; i < c->n; i++)
            buf_puts(&q, i ? ", ?" : "?");
        buf_puts(&q, ")");
    }
    rc = db_prepare(to, q.data, out);
    buf_free(&q);
    return rc;
}

/*
 * Rows go in BATCH at a time, one statement each: a statement a row was
 * the whole cost of a copy (a round trip and, on PostgreSQL, a savepoint
 * per statement).
 */
static int
copy_table(struct db *from, struct db *to, const struct table *t,
           const struct cols *c, int64_t *rows)
{
    struct db_stmt *sel = NULL, *ins = NULL, *tail = NULL, *upd = NULL;
    int batch = c->n ? COPY_PARAMS / c->n : 1;
    struct buf q;
    int rc, i, k = 1, in_batch = 0;

    if (batch > COPY_BATCH)
        batch = COPY_BATCH;
    if (batch < 1)
        batch = 1;
    *rows = 0;
    buf_init(&q, 8192);
    buf_puts(&q, "SELECT ");
    col_list(&q, c);
    buf_printf(&q, " FROM %s ORDER BY %s", t->name, t->order);
    rc = db_prepare(from, q.data, &sel);
    if (rc == CG_OK)
        rc = prepare_insert(to, t, c, batch, &ins);
    if (rc == CG_OK && c->self >= 0) {
        buf_reset(&q);
        buf_printf(&q, "UPDATE %s SET %s = ? WHERE %s = ?", t->name,
                   c->names[c->self], t->id ? "id" : c->names[0]);
        rc = db_prepare(to, q.data, &upd);
    }
    while (rc == CG_OK && (rc = db_step(sel)) == DB_ROW) {
        rc = CG_OK;
        for (i = 0; i < c->n && rc == CG_OK; i++, k++)
            rc = i == c->self ? db_bind_null(ins, k)
                              : bind_value(ins, k, sel, i, c->kind[i]);
        (*rows)++;
        if (rc == CG_OK && ++in_batch == batch) {
            if ((rc = db_step(ins)) == DB_DONE)
                rc = CG_OK;
            db_reset(ins);
            in_batch = 0;
            k = 1;
        }
    }
    if (rc == DB_DONE)
        rc = CG_OK;
    /* What is left over goes in with a statement of its size: the rows
     * are read again from where the full batches ended. */
    if (rc == CG_OK && in_batch > 0) {
        int64_t skip = *rows - in_batch, seen = 0;

        rc = prepare_insert(to, t, c, in_batch, &tail);
        db_reset(sel);
        k = 1;
        while (rc == CG_OK && (rc = db_step(sel)) == DB_ROW) {
            rc = CG_OK;
            if (seen++ < skip)
                continue;
            for (i = 0; i < c->n && rc == CG_OK; i++, k++)
                rc = i == c->self ? db_bind_null(tail, k)
                                  : bind_value(tail, k, sel, i, c->kind[i]);
        }
        if (rc == DB_DONE)
            rc = CG_OK;
        if (rc == CG_OK && (rc = db_step(tail)) == DB_DONE)
            rc = CG_OK;
    }
    /* The second pass: what pointed into the same table. */
    if (rc == CG_OK && upd) {
        db_reset(sel);
        while (rc == CG_OK && (rc = db_step(sel)) == DB_ROW) {
            rc = CG_OK;
            if (db_col_null(sel, c->self))
                continue;
            rc = bind_value(upd, 1, sel, c->self, c->kind[c->self]);
            if (rc == CG_OK)
                rc = bind_value(upd, 2, sel, 0, c->kind[0]);
            if (rc == CG_OK && (rc = db_step(upd)) == DB_DONE)
                rc = CG_OK;
            db_reset(upd);
        }
        if (rc == DB_DONE)
            rc = CG_OK;
    }
    db_finalize(sel);
    db_finalize(ins);
    db_finalize(tail);
    db_finalize(upd);
    buf_free(&q);
    return rc;
}

static int
checksum(struct db *db, const struct table *t, const struct cols *c,
         int64_t *rows, uint64_t *sum)
{
    struct db_stmt *st;
    struct buf q;
    char num[40];
    int rc, i;

    *rows = 0;
    *sum = 0;
    if (c->n == 0) {
        /* Empty in the source: it must be empty in the copy too. */
        str_fmt(num, sizeof(num), "%.30s", t->name);
        buf_init(&q, 256);
        buf_printf(&q, "SELECT COUNT(*) FROM %s", num);
        rc = db_scalar_int(db, 0, rows, q.data, (const char *)NULL);
        buf_free(&q);
        return rc;
    }
    buf_init(&q, 8192);
    buf_puts(&q, "SELECT ");
    col_list(&q, c);
    buf_printf(&q, " FROM %s", t->name);
    rc = db_prepare(db, q.data, &st);
    buf_free(&q);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        uint64_t h = 0xcbf29ce484222325ull;
        const void *p;
        size_t len;

        for (i = 0; i < c->n; i++) {
            h = fnv(h, &c->kind[i], 1);
            if (db_col_null(st, i)) {
                h = fnv(h, "\0N", 2);
                continue;
            }
            switch (c->kind[i]) {
            case 'i':
                len = (size_t)snprintf(num, sizeof(num), "%" PRId64,
                                       db_col_int(st, i));
                h = fnv(h, num, len);
                break;
            case 'r':
                len = (size_t)snprintf(num, sizeof(num), "%.17g",
                                       db_col_double(st, i));
                h = fnv(h, num, len);
                break;
            case 'b':
                p = db_col_blob(st, i, &len);
                h = fnv(h, p ? p : "", len);
                break;
            default:
                p = db_col_text(st, i);
                h = fnv(h, p ? p : "", p ? strlen(p) : 0);
            }
            h = fnv(h, "\0", 1);
        }
        *sum += h;
        (*rows)++;
    }
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

int
store_copy(struct db *from, struct db *to, bool to_pg, store_copy_cb cb,
           void *ctx, char *err, size_t errlen)
{
    struct cols cols[NTABLES];
    int64_t rows, a_rows, b_rows;
    uint64_t a_sum, b_sum;
    char sql[300];
    size_t i;
    int rc;

    for (i = 0; i < NTABLES; i++)
        if ((rc = read_cols(from, &tables[i], &cols[i])) != CG_OK) {
            str_fmt(err, errlen, "cannot read table %s of the source: %s",
                    tables[i].name, db_errmsg(from));
            return rc;
        }
    if ((rc = db_begin(to)) != CG_OK) {
        str_fmt(err, errlen, "cannot start writing the target: %s",
                db_errmsg(to));
        return rc;
    }
    /* Empty first, children before parents: a new database comes with the
     * national catalogue, which the source's own replaces. */
    for (i = NTABLES; i-- > 0;) {
        str_fmt(sql, sizeof(sql), "DELETE FROM %s", tables[i].name);
        if ((rc = db_exec(to, sql)) != CG_OK) {
            str_fmt(err, errlen, "cannot empty %s in the target: %s",
                    tables[i].name, db_errmsg(to));
            goto fail;
        }
    }
    for (i = 0; i < NTABLES; i++) {
        if (cols[i].n == 0)
            continue;
        if ((rc = copy_table(from, to, &tables[i], &cols[i], &rows)) != CG_OK) {
            str_fmt(err, errlen, "copying %s failed (%s): %s", tables[i].name,
                    cg_strerror(rc), db_errmsg(to));
            goto fail;
        }
        if (cb)
            cb(tables[i].name, rows, 0, false, ctx);
        /* Ids given by hand leave the target's counter behind them. */
        if (to_pg && tables[i].id) {
            str_fmt(sql, sizeof(sql),
                    "SELECT setval(pg_get_serial_sequence('%s', 'id'),"
                    " (SELECT COALESCE(MAX(id), 1) FROM %s))",
                    tables[i].name, tables[i].name);
            if ((rc = db_exec(to, sql)) != CG_OK) {
                str_fmt(err, errlen, "cannot move the id counter of %s: %s",
                        tables[i].name, db_errmsg(to));
                goto fail;
            }
        }
    }
    /* Cases copied in after the target's text indexes were made join
     * them now, so that the copy is searchable as it stands. */
    if ((rc = db_dialect_search_catch_up(to, INT64_MAX)) != CG_OK) {
        str_fmt(err, errlen, "cannot index the copied cases: %s",
                db_errmsg(to));
        goto fail;
    }
    if ((rc = db_commit(to)) != CG_OK) {
        str_fmt(err, errlen, "cannot commit the copy: %s", db_errmsg(to));
        goto fail;
    }
    /* The proof, table by table, read back from both sides. */
    for (i = 0; i < NTABLES; i++) {
        if ((rc = checksum(from, &tables[i], &cols[i], &a_rows, &a_sum)) !=
                CG_OK ||
            (rc = checksum(to, &tables[i], &cols[i], &b_rows, &b_sum)) !=
                CG_OK) {
            str_fmt(err, errlen, "cannot read %s back", tables[i].name);
            return rc;
        }
        if (a_rows != b_rows || a_sum != b_sum) {
            str_fmt(err, errlen,
                    "%s differs: %lld rows and checksum %016" PRIx64
                    " in the source, %lld and %016" PRIx64 " in the copy",
                    tables[i].name, (long long)a_rows, a_sum, (long long)b_rows,
                    b_sum);
            return CG_ECONFLICT;
        }
        if (cb)
            cb(tables[i].name, a_rows, a_sum, true, ctx);
    }
    return CG_OK;
fail:
    db_rollback(to);
    return rc;
}
