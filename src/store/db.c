/*
 * db.c - the functions of db.h, handed to the backend the URL chose.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "store/db_backend.h"

bool
db_url_is_pg(const char *url)
{
    return str_has_prefix(url, "postgres://") ||
           str_has_prefix(url, "postgresql://");
}

/* Connections open in this process: one per thread that has used the
 * database (the pool), plus listeners and commands' own. */
static long open_connections;

int
db_open(const char *url, struct db **out)
{
    int rc =
        db_url_is_pg(url) ? db_pg_open(url, out) : db_sqlite_open(url, out);

    if (rc == CG_OK)
        __atomic_add_fetch(&open_connections, 1, __ATOMIC_RELAXED);
    return rc;
}

long
db_connections(void)
{
    return __atomic_load_n(&open_connections, __ATOMIC_RELAXED);
}

void
db_close(struct db *db)
{
    if (!db)
        return;
    __atomic_sub_fetch(&open_connections, 1, __ATOMIC_RELAXED);
    db->ops->close(db);
}

const char *
db_errmsg(struct db *db)
{
    return db->ops->errmsg(db);
}

int
db_exec(struct db *db, const char *sql)
{
    return db->ops->exec(db, sql);
}

int
db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    return db->ops->prepare(db, sql, out);
}

int
db_bind_text(struct db_stmt *st, int i, const char *v)
{
    return st->db->ops->bind_text(st, i, v);
}

int
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
    return st->db->ops->bind_int(st, i, v);
}

int
db_bind_double(struct db_stmt *st, int i, double v)
{
    return st->db->ops->bind_double(st, i, v);
}

int
db_bind_null(struct db_stmt *st, int i)
{
    return st->db->ops->bind_null(st, i);
}

int
db_bind_blob(struct db_stmt *st, int i, const void *v, size_t len)
{
    return st->db->ops->bind_blob(st, i, v, len);
}

int
db_step(struct db_stmt *st)
{
    return st->db->ops->step(st);
}

int
db_reset(struct db_stmt *st)
{
    return st->db->ops->reset(st);
}

const char *
db_col_text(struct db_stmt *st, int i)
{
    return st->db->ops->col_text(st, i);
}

int64_t
db_col_int(struct db_stmt *st, int i)
{
    return st->db->ops->col_int(st, i);
}

double
db_col_double(struct db_stmt *st, int i)
{
    return st->db->ops->col_double(st, i);
}

bool
db_col_null(struct db_stmt *st, int i)
{
    return st->db->ops->col_null(st, i);
}

const void *
db_col_blob(struct db_stmt *st, int i, size_t *len)
{
    return st->db->ops->col_blob(st, i, len);
}

int
db_col_count(struct db_stmt *st)
{
    return st->db->ops->col_count(st);
}

const char *
db_col_name(struct db_stmt *st, int i)
{
    return st->db->ops->col_name(st, i);
}

char
db_col_kind(struct db_stmt *st, int i)
{
    return st->db->ops->col_kind(st, i);
}

void
db_finalize(struct db_stmt *st)
{
    if (st)
        st->db->ops->finalize(st);
}

int
db_begin(struct db *db)
{
    return db->ops->begin(db);
}

int
db_commit(struct db *db)
{
    return db->ops->commit(db);
}

int
db_commit_nowait(struct db *db)
{
    return db->ops->commit_nowait ? db->ops->commit_nowait(db)
                                  : db->ops->commit(db);
}

int
db_commit_later(struct db *db, uint64_t *ticket)
{
    *ticket = 0;
    return db->ops->commit_later ? db->ops->commit_later(db, ticket)
                                 : db->ops->commit(db);
}

int
db_wait_synced(struct db *db, uint64_t ticket)
{
    if (ticket == 0 || !db->ops->wait_synced)
        return CG_OK;
    return db->ops->wait_synced(db, ticket);
}

int
db_wait_all_synced(struct db *db)
{
    return db->ops->wait_all_synced ? db->ops->wait_all_synced(db) : CG_OK;
}

void
db_tx_only(struct db *db, bool on)
{
    if (db->ops->tx_only)
        db->ops->tx_only(db, on);
}

bool
db_dialect_groups_writes(struct db *db)
{
    return db->ops->groups_writes && db->ops->groups_writes(db);
}

void
db_rollback(struct db *db)
{
    db->ops->rollback(db);
}

bool
db_in_tx(struct db *db)
{
    return db->ops->in_tx(db);
}

int64_t
db_last_id(struct db *db)
{
    return db->ops->last_id(db);
}

int
db_changes(struct db *db)
{
    return db->ops->changes(db);
}

int
db_scalar_int(struct db *db, int64_t dflt, int64_t *out, const char *sql, ...)
{
    struct db_stmt *st;
    const char *arg;
    va_list ap;
    int rc, i = 1;

    rc = db_prepare(db, sql, &st);
    if (rc != CG_OK)
        return rc;
    va_start(ap, sql);
    while ((arg = va_arg(ap, const char *)) != NULL)
        db_bind_text(st, i++, arg);
    va_end(ap);
    rc = db_step(st);
    if (rc == DB_ROW)
        *out = db_col_int(st, 0);
    else if (rc == DB_DONE)
        *out = dflt;
    db_finalize(st);
    return rc < 0 ? rc : CG_OK;
}

char *
db_dialect_ddl(struct db *db, const char *sql)
{
    return db->ops->ddl(sql);
}

const char *
db_dialect_schema_extra(struct db *db, int version)
{
    return db->ops->schema_extra(version);
}

int
db_dialect_use_index(struct db *db, struct buf *sql, const char *index)
{
    return db->ops->indexed_by ? buf_printf(sql, " INDEXED BY %s", index)
                               : CG_OK;
}

const char *
db_dialect_strpos(struct db *db)
{
    return db->ops->strpos;
}

int
db_dialect_case_search(struct db *db, struct buf *sql, const char *alias,
                       const char *q)
{
    return db->ops->search(sql, alias, q);
}

int
db_dialect_case_search_bind(struct db_stmt *st, int i, const char *q)
{
    return st->db->ops->search_bind(st, i, q);
}

int
db_dialect_search_backlog(struct db *db, int64_t *n)
{
    *n = 0;
    return db->ops->search_backlog ? db->ops->search_backlog(db, n) : CG_OK;
}

int
db_dialect_search_catch_up(struct db *db, int64_t max)
{
    return db->ops->search_catch_up ? db->ops->search_catch_up(db, max) : CG_OK;
}

int
db_dialect_search_rebuilt(struct db *db)
{
    return db->ops->search_rebuilt ? db->ops->search_rebuilt(db) : CG_OK;
}

bool
db_has_notify(struct db *db)
{
    return db->ops->notify;
}

int
db_notify(struct db *db, const char *channel, const char *payload)
{
    struct db_stmt *st;
    int rc;

    if (!db->ops->notify)
        return CG_EUNSUPPORTED;
    rc = db_prepare(db, "SELECT pg_notify(CAST(? AS TEXT), CAST(? AS TEXT))",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, channel);
    db_bind_text(st, 2, payload);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc;
}

int
db_listen(const char *url, const char *channel, db_notify_fn cb, void *ctx,
          const volatile int *stop)
{
    if (!db_url_is_pg(url))
        return CG_EUNSUPPORTED;
    return db_pg_listen(url, channel, cb, ctx, stop);
}
